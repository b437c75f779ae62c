package io.lochness.chypervisord.adapter.out.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcd.jetcd.api.AuthDisableRequest;
import io.etcd.jetcd.api.AuthEnableRequest;
import io.etcd.jetcd.api.AuthGrpc;
import io.etcd.jetcd.api.AuthUserAddRequest;
import io.etcd.jetcd.api.AuthUserGrantRoleRequest;
import io.etcd.jetcd.api.AuthenticateRequest;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.lochness.chypervisord.domain.model.StoreUnavailableException;
import io.lochness.chypervisord.adapter.out.kv.spi.Txn;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link EtcdKeyValueStore} against an etcd with authentication enabled. */
class EtcdKeyValueStoreAuthTest {

    private static final String USER = "root";
    private static final String PASSWORD = "test-" + UUID.randomUUID();

    @RegisterExtension
    static final EtcdServerExtension ETCD = new EtcdServerExtension();

    private static ManagedChannel admin;

    /** Once per class, but in a per-test hook so that a missing etcd skips each test. */
    @BeforeEach
    void enableAuthOnce(EtcdServer server) {
        if (admin != null) {
            return;
        }
        URI endpoint = URI.create(server.endpoint());
        ManagedChannel channel =
                NettyChannelBuilder.forAddress(endpoint.getHost(), endpoint.getPort()).usePlaintext().build();
        try {
            AuthGrpc.AuthBlockingStub auth = AuthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
            auth.userAdd(AuthUserAddRequest.newBuilder().setName(USER).setPassword(PASSWORD).build());
            auth.userGrantRole(AuthUserGrantRoleRequest.newBuilder().setUser(USER).setRole("root").build());
            auth.authEnable(AuthEnableRequest.getDefaultInstance());
        } catch (RuntimeException e) {
            channel.shutdownNow();
            throw e;
        }
        admin = channel;
    }

    @AfterAll
    static void closeAdmin() {
        if (admin != null) {
            admin.shutdownNow();
            admin = null;
        }
    }

    private static EtcdSettings settings(Map<String, String> env) {
        return EtcdSettings.parse(ETCD.server().kvAddress(), env);
    }

    @Test
    void aStoreWithTheEnvironmentCredentialsReadsAndWrites() {
        String key = "auth/" + UUID.randomUUID();
        try (EtcdKeyValueStore store =
                new EtcdKeyValueStore(settings(Map.of("ETCD_USERNAME", USER, "ETCD_PASSWORD", PASSWORD)))) {
            assertThat(store.commit(new Txn(List.of(), List.of(new Txn.Put(key, "v")))).committed()).isTrue();
            assertThat(store.read(key).get(key)).isPresent();
            store.ping();
        }
    }

    @Test
    void aStoreWithoutCredentialsIsRefusedAsUnavailable() {
        try (EtcdKeyValueStore store = new EtcdKeyValueStore(settings(Map.of()))) {
            assertThatThrownBy(() -> store.read("auth/")).isInstanceOf(StoreUnavailableException.class);
        }
    }

    @Test
    void aWrongPasswordIsRefusedAsUnavailableWithoutShowingIt() {
        try (EtcdKeyValueStore store =
                new EtcdKeyValueStore(settings(Map.of("ETCD_USERNAME", USER, "ETCD_PASSWORD", "wrong-pw")))) {
            assertThatThrownBy(() -> store.read("auth/"))
                    .isInstanceOf(StoreUnavailableException.class)
                    .hasMessageNotContaining("wrong-pw");
        }
    }

    @Test
    void aStoreAuthenticatesAgainWhenItsTokenIsInvalidated() {
        try (EtcdKeyValueStore store =
                new EtcdKeyValueStore(settings(Map.of("ETCD_USERNAME", USER, "ETCD_PASSWORD", PASSWORD)))) {
            store.ping();
            // Disabling and re-enabling auth drops every issued token.
            String token =
                    AuthGrpc.newBlockingStub(admin)
                            .withDeadlineAfter(10, TimeUnit.SECONDS)
                            .authenticate(AuthenticateRequest.newBuilder().setName(USER).setPassword(PASSWORD).build())
                            .getToken();
            Metadata headers = new Metadata();
            headers.put(Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER), token);
            AuthGrpc.newBlockingStub(admin)
                    .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                    .withDeadlineAfter(10, TimeUnit.SECONDS)
                    .authDisable(AuthDisableRequest.getDefaultInstance());
            AuthGrpc.newBlockingStub(admin)
                    .withDeadlineAfter(10, TimeUnit.SECONDS)
                    .authEnable(AuthEnableRequest.getDefaultInstance());

            store.ping();
            assertThat(store.read("auth/").entries()).isNotNull();
        }
    }
}
