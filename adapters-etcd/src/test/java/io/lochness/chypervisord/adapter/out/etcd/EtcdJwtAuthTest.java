package io.lochness.chypervisord.adapter.out.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcd.jetcd.api.AuthEnableRequest;
import io.etcd.jetcd.api.AuthGrpc;
import io.etcd.jetcd.api.AuthRoleAddRequest;
import io.etcd.jetcd.api.AuthRoleGrantPermissionRequest;
import io.etcd.jetcd.api.AuthUserAddRequest;
import io.etcd.jetcd.api.AuthUserChangePasswordRequest;
import io.etcd.jetcd.api.AuthUserGrantRoleRequest;
import io.etcd.jetcd.api.AuthenticateRequest;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.Permission;
import io.etcd.jetcd.api.RangeRequest;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.lochness.chypervisord.adapter.out.kv.spi.KeyChange;
import io.lochness.chypervisord.adapter.out.kv.spi.KeyValue;
import io.lochness.chypervisord.adapter.out.kv.spi.Txn;
import io.lochness.chypervisord.adapter.out.kv.spi.Watch;
import io.lochness.chypervisord.adapter.out.kv.spi.WatchListener;
import io.lochness.chypervisord.adapter.out.kv.spi.WatchRecorder;
import io.lochness.chypervisord.domain.model.StoreUnavailableException;
import com.google.protobuf.ByteString;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * {@link EtcdKeyValueStore} on an etcd that issues JWT tokens ({@code --auth-token jwt}, keys
 * made by the test): changes to users and roles must not break a running store.
 */
class EtcdJwtAuthTest {
    private static final String ROOT_PASSWORD = "root-" + UUID.randomUUID();
    private static final String USER = "chv";
    private static final String PASSWORD = "chv-" + UUID.randomUUID();

    @Test
    @DisplayName("after a role is added and another user's password changed, every store call still succeeds")
    void authChangesDoNotBreakARunningStore() throws Exception {
        Path dir = java.nio.file.Files.createTempDirectory("etcd-jwt-");
        try {
            LocalEtcd.run(dir, "openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "jwt.key");
            LocalEtcd.run(dir, "openssl", "pkey", "-in", "jwt.key", "-pubout", "-out", "jwt.pub");
            String jwt = "jwt,pub-key=" + dir.resolve("jwt.pub") + ",priv-key=" + dir.resolve("jwt.key")
                    + ",sign-method=RS256,ttl=10m";
            try (LocalEtcd etcd = LocalEtcd.start(1, "http", List.of("--auth-token", jwt))) {
                LocalEtcd.Member member = etcd.members().get(0);
                ManagedChannel admin = NettyChannelBuilder.forAddress("127.0.0.1", member.clientPort).usePlaintext().build();
                try {
                    setUpAuth(admin);
                    runScenario(etcd.address(), admin);
                } finally {
                    admin.shutdownNow();
                }
            }
        } finally {
            try (var files = java.nio.file.Files.walk(dir)) {
                for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    java.nio.file.Files.deleteIfExists(f);
                }
            }
        }
    }

    @Test
    @DisplayName("when the token expires, calls and new watches authenticate again")
    void anExpiredTokenIsReplaced() throws Exception {
        try (LocalEtcd etcd = LocalEtcd.start(1, "http", List.of("--auth-token-ttl", "2"))) {
            LocalEtcd.Member member = etcd.members().get(0);
            ManagedChannel admin = NettyChannelBuilder.forAddress("127.0.0.1", member.clientPort).usePlaintext().build();
            try {
                setUpAuth(admin);
                String prefix = "jwt/" + UUID.randomUUID() + "/";
                try (EtcdKeyValueStore store = new EtcdKeyValueStore(EtcdSettings.parse(etcd.address(),
                        Map.of("ETCD_USERNAME", USER, "ETCD_PASSWORD", PASSWORD)))) {
                    long first = store.commit(put(prefix + "a", "1")).revision();
                    Thread.sleep(4000); // the simple token lives 2 s
                    List<Object> heard = new CopyOnWriteArrayList<>();
                    WatchListener listener = new WatchListener() {
                        @Override
                        public void onChanges(List<KeyChange> changes) {
                            heard.addAll(changes);
                        }

                        @Override
                        public void onProgress(long revision) {}

                        @Override
                        public void onCompacted(long compactRevision) {}

                        @Override
                        public void onFailure(StoreUnavailableException cause) {
                            heard.add(cause);
                        }
                    };
                    // A watch created with the expired token may be refused once; the next one works.
                    Watch watch = store.watch(prefix, first, listener);
                    long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                    while (heard.isEmpty() && System.nanoTime() < giveUp) {
                        Thread.sleep(20);
                    }
                    assertThat(heard).as("the watch said something within 30 s").isNotEmpty();
                    if (heard.get(0) instanceof StoreUnavailableException) {
                        watch.close();
                        heard.clear();
                        watch = store.watch(prefix, first, listener);
                    }
                    try (Watch open = watch) {
                        giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                        while (heard.isEmpty() && System.nanoTime() < giveUp) {
                            Thread.sleep(20);
                        }
                        assertThat(heard).containsExactly(KeyChange.put(prefix + "a", "1", first));
                    }
                    Thread.sleep(3000);
                    assertThat(store.read(prefix).entries()).hasSize(1);
                    Thread.sleep(3000);
                    assertThat(store.commit(put(prefix + "b", "2")).committed()).isTrue();
                }
            } finally {
                admin.shutdownNow();
            }
        }
    }

    private void runScenario(String address, ManagedChannel admin) throws Exception {
        String prefix = "jwt/" + UUID.randomUUID() + "/";
        try (EtcdKeyValueStore store = new EtcdKeyValueStore(EtcdSettings.parse(address,
                Map.of("ETCD_USERNAME", USER, "ETCD_PASSWORD", PASSWORD)))) {
            WatchRecorder watched = new WatchRecorder();
            long first = store.commit(put(prefix + "a", "1")).revision();
            Watch watch = store.watch(prefix, first + 1, watched);
            String oldToken = token(admin, USER, PASSWORD);
            assertThat(rawRead(admin, oldToken, prefix)).isNull();

            String rootToken = token(admin, "root", ROOT_PASSWORD);
            auth(admin, rootToken).roleAdd(AuthRoleAddRequest.newBuilder().setName("another-role").build());
            // The scenario is real: a token issued before the change is refused now.
            assertThat(rawRead(admin, oldToken, prefix)).contains("revision of auth store is old");

            assertThat(store.commit(put(prefix + "b", "2")).committed()).isTrue();
            assertThat(store.read(prefix).entries()).extracting(KeyValue::key).containsExactly(prefix + "a", prefix + "b");

            rootToken = token(admin, "root", ROOT_PASSWORD);
            auth(admin, rootToken).userChangePassword(AuthUserChangePasswordRequest.newBuilder()
                    .setName("someone-else").setPassword("changed-" + UUID.randomUUID()).build());
            assertThat(store.readPage(prefix, null, 0, 10).entries()).hasSize(2);
            rootToken = token(admin, "root", ROOT_PASSWORD);
            auth(admin, rootToken).roleAdd(AuthRoleAddRequest.newBuilder().setName("third-role").build());
            assertThat(store.currentRevision()).isGreaterThan(first);
            store.ping();
            rootToken = token(admin, "root", ROOT_PASSWORD);
            auth(admin, rootToken).roleAdd(AuthRoleAddRequest.newBuilder().setName("fourth-role").build());
            long c = store.commit(put(prefix + "c", "3")).revision();

            long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (watched.changes().size() < 2 && System.nanoTime() < giveUp) {
                Thread.sleep(20);
            }
            assertThat(watched.changes()).extracting(KeyChange::key).containsExactly(prefix + "b", prefix + "c");
            assertThat(watched.changes().get(1).revision()).isEqualTo(c);
            watch.close();
        }
        try (EtcdKeyValueStore wrong = new EtcdKeyValueStore(EtcdSettings.parse(address,
                Map.of("ETCD_USERNAME", USER, "ETCD_PASSWORD", "wrong")))) {
            assertThatThrownBy(wrong::ping).isInstanceOf(StoreUnavailableException.class).hasMessageNotContaining("wrong\"");
        }
    }

    private static void setUpAuth(ManagedChannel admin) {
        AuthGrpc.AuthBlockingStub auth = AuthGrpc.newBlockingStub(admin).withDeadlineAfter(10, TimeUnit.SECONDS);
        auth.userAdd(AuthUserAddRequest.newBuilder().setName("root").setPassword(ROOT_PASSWORD).build());
        auth.userGrantRole(AuthUserGrantRoleRequest.newBuilder().setUser("root").setRole("root").build());
        auth.roleAdd(AuthRoleAddRequest.newBuilder().setName("chv-role").build());
        auth.roleGrantPermission(AuthRoleGrantPermissionRequest.newBuilder().setName("chv-role")
                .setPerm(Permission.newBuilder().setPermType(Permission.Type.READWRITE)
                        .setKey(ByteString.copyFromUtf8("jwt/")).setRangeEnd(ByteString.copyFromUtf8("jwt0")))
                .build());
        // The store's count-only range for its revision and ping reads the key "health".
        auth.roleGrantPermission(AuthRoleGrantPermissionRequest.newBuilder().setName("chv-role")
                .setPerm(Permission.newBuilder().setPermType(Permission.Type.READ)
                        .setKey(ByteString.copyFromUtf8("health")))
                .build());
        auth.userAdd(AuthUserAddRequest.newBuilder().setName(USER).setPassword(PASSWORD).build());
        auth.userGrantRole(AuthUserGrantRoleRequest.newBuilder().setUser(USER).setRole("chv-role").build());
        auth.userAdd(AuthUserAddRequest.newBuilder().setName("someone-else").setPassword("x").build());
        auth.authEnable(AuthEnableRequest.getDefaultInstance());
    }

    private static Txn put(String key, String value) {
        return new Txn(List.of(), List.of(new Txn.Put(key, value)));
    }

    private static String token(ManagedChannel admin, String user, String password) {
        return AuthGrpc.newBlockingStub(admin).withDeadlineAfter(10, TimeUnit.SECONDS)
                .authenticate(AuthenticateRequest.newBuilder().setName(user).setPassword(password).build())
                .getToken();
    }

    private static AuthGrpc.AuthBlockingStub auth(ManagedChannel admin, String token) {
        return AuthGrpc.newBlockingStub(admin).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers(token)))
                .withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    /** A read with {@code token}; null when it succeeds, else etcd's refusal. */
    private static String rawRead(ManagedChannel admin, String token, String prefix) {
        try {
            KVGrpc.newBlockingStub(admin).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers(token)))
                    .withDeadlineAfter(10, TimeUnit.SECONDS)
                    .range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8(prefix + "a")).build());
            return null;
        } catch (StatusRuntimeException e) {
            return e.getStatus().toString();
        }
    }

    private static Metadata headers(String token) {
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER), token);
        return headers;
    }
}
