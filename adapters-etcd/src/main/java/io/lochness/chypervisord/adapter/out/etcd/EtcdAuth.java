package io.lochness.chypervisord.adapter.out.etcd;

import io.etcd.jetcd.api.AuthGrpc;
import io.etcd.jetcd.api.AuthenticateRequest;
import io.grpc.CallCredentials;
import io.grpc.Deadline;
import io.grpc.Metadata;
import java.lang.System.Logger.Level;
import java.util.concurrent.Executor;

/**
 * etcd authentication as gRPC call credentials: every call carries the current token in the
 * {@code token} header; {@link #token} obtains one with the {@code Authenticate} RPC when there
 * is none, and {@link #invalidate} drops one etcd refused, so that the next call authenticates
 * again.
 *
 * <p>Where it goes its own way: jetcd's {@code AuthCredential} does the same but is package
 * private and bound to jetcd's {@code ClientConnectionManager} (its own channel and executor), so
 * it cannot be attached to this adapter's channel. The token is obtained on the calling thread,
 * under the call's deadline, so no call waits on another thread.
 */
final class EtcdAuth extends CallCredentials {
    private static final System.Logger LOG = System.getLogger(EtcdAuth.class.getName());
    private static final Metadata.Key<String> TOKEN = Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER);

    private final String username;
    private final String password;
    private final AuthGrpc.AuthBlockingStub auth;
    private final Object lock = new Object();
    private volatile String token;

    /** Credentials for {@code settings}; {@code auth} must carry no credentials itself. */
    EtcdAuth(EtcdSettings settings, AuthGrpc.AuthBlockingStub auth) {
        this.username = settings.username();
        this.password = settings.password();
        this.auth = auth;
    }

    /** The token calls carry now, obtained first when there is none; null without credentials. */
    String token(Deadline deadline) {
        if (username == null) {
            return null;
        }
        String current = token;
        if (current != null) {
            return current;
        }
        synchronized (lock) {
            current = token;
            if (current == null) {
                AuthenticateRequest request =
                        AuthenticateRequest.newBuilder().setName(username).setPassword(password).build();
                current = auth.withDeadline(deadline).authenticate(request).getToken();
                token = current;
                LOG.log(Level.DEBUG, () -> "etcd authenticated as " + username);
            }
            return current;
        }
    }

    /** Drops {@code refused} if it is still the current token (another call may have replaced it). */
    void invalidate(String refused) {
        if (refused == null) {
            return;
        }
        synchronized (lock) {
            if (refused.equals(token)) {
                token = null;
            }
        }
    }

    @Override
    public void applyRequestMetadata(RequestInfo requestInfo, Executor appExecutor, MetadataApplier applier) {
        Metadata headers = new Metadata();
        String current = token;
        if (current != null) {
            headers.put(TOKEN, current);
        }
        applier.apply(headers);
    }
}
