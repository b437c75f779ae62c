package io.lochness.chypervisord.adapter.out.etcd;

import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.RangeRequest;
import io.grpc.ConnectivityState;
import io.grpc.Deadline;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.lochness.chypervisord.domain.model.StoreUnavailableException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Runs one etcd RPC under one deadline, with the retries that are safe: a new token when etcd
 * refused the old one, a read sent again when its connection failed. Never retries a
 * transaction that may have reached etcd.
 */
final class EtcdCalls {
    private static final System.Logger LOG = System.getLogger(EtcdCalls.class.getName());

    private final ManagedChannel channel;
    private final EtcdAuth auth;
    private final EtcdErrors errors;
    private final Duration deadline;

    EtcdCalls(ManagedChannel channel, EtcdAuth auth, EtcdErrors errors, Duration deadline) {
        this.channel = channel;
        this.auth = auth;
        this.errors = errors;
        this.deadline = deadline;
    }

    /** Sleeps; false (the interrupt flag kept) when interrupted. */
    private static boolean pause(long millis) {
        try {
            Thread.sleep(millis);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Why the channel cannot connect, when a call timed out waiting for a connection: a call
     * that does not wait for one fails at once with the transport's error (a refused TLS
     * handshake, a refused connection). Null when the channel is not failing to connect.
     */
    private StatusRuntimeException connectFailure(StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.DEADLINE_EXCEEDED
                || channel.getState(false) != ConnectivityState.TRANSIENT_FAILURE) {
            return null;
        }
        try {
            KVGrpc.newBlockingStub(channel).withDeadlineAfter(1, TimeUnit.SECONDS)
                    .range(RangeRequest.newBuilder().setKey(EtcdKeys.utf8("health")).setCountOnly(true).build());
            return null;
        } catch (StatusRuntimeException probe) {
            return probe.getStatus().getCode() == Status.Code.UNAVAILABLE ? probe : null;
        }
    }

    /** {@link #rpc} with every failure turned into {@link StoreUnavailableException}. */
    <T> T call(String what, boolean isRead, Function<Deadline, T> request) {
        try {
            return rpc(isRead, request);
        } catch (StatusRuntimeException e) {
            // gRPC enforces the deadline itself (DEADLINE_EXCEEDED), also while waiting for a
            // connection; an interrupt cancels the call and comes back as CANCELLED.
            StoreUnavailableException failure = errors.unavailable(what, e, connectFailure(e));
            EtcdChannel.kickReconnect(channel);
            LOG.log(Level.DEBUG, failure.getMessage(), e);
            throw failure;
        }
    }

    /**
     * Runs one RPC under one deadline: authenticates first when there is no token; when etcd
     * refuses the token, authenticates again and retries once; a read whose connection failed,
     * or that met a leader election, is sent again, after a short pause growing from 25 to 400
     * ms, while the deadline allows.
     */
    <T> T rpc(boolean isRead, Function<Deadline, T> request) {
        Deadline until = Deadline.after(deadline.toNanos(), TimeUnit.NANOSECONDS);
        EtcdChannel.kickReconnect(channel);
        boolean reauthenticated = false;
        long pause = 25;
        while (true) {
            String used = auth.token(until);
            try {
                return request.apply(until);
            } catch (StatusRuntimeException e) {
                Status status = e.getStatus();
                if (used != null && !reauthenticated && EtcdErrors.needsNewToken(status)) {
                    reauthenticated = true;
                    auth.invalidate(used);
                    LOG.log(Level.DEBUG, () -> "etcd refused the token (" + errors.describe(status) + "): authenticating again");
                } else if (isRead && EtcdErrors.readMayBeRedone(status)
                        && until.timeRemaining(TimeUnit.MILLISECONDS) > pause && pause(pause)) {
                    // A lost connection or a leader election: the next member, or the new leader,
                    // answers within the same deadline.
                    pause = Math.min(pause * 2, 400);
                    EtcdChannel.kickReconnect(channel);
                } else {
                    throw e;
                }
            }
        }
    }
}
