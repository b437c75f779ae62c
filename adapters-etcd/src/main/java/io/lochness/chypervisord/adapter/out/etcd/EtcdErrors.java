package io.lochness.chypervisord.adapter.out.etcd;

import io.etcd.jetcd.support.Errors;
import io.grpc.Status;
import io.lochness.chypervisord.domain.model.StoreUnavailableException;
import java.time.Duration;

/**
 * Turns gRPC failures into the SPI's exceptions, each message one line naming the call, the
 * endpoints and the reason; and says which failures a call may retry.
 *
 * <p>etcd's own error strings are matched with jetcd's {@link Errors} where it has them.
 */
final class EtcdErrors {
    private final String hostPorts;
    private final Duration deadline;

    EtcdErrors(String hostPorts, Duration deadline) {
        this.hostPorts = hostPorts;
        this.deadline = deadline;
    }

    /** {@code etcd <what> failed at <endpoints>: <reason>}, the cause kept for the log. */
    StoreUnavailableException unavailable(String what, Throwable cause) {
        return unavailable(what, cause, null);
    }

    /**
     * The same with why the channel could not connect, when known: a call that waited for a
     * connection until its deadline says only that it timed out, while a TLS handshake refused
     * on either side is what an operator needs to read.
     */
    StoreUnavailableException unavailable(String what, Throwable cause, Throwable connectFailure) {
        String reason = describe(Status.fromThrowable(cause));
        if (connectFailure != null) {
            reason += " (last connection attempt: " + describe(Status.fromThrowable(connectFailure))
                    + rootCause(connectFailure) + ")";
        }
        return new StoreUnavailableException(message(what, reason), cause);
    }

    /** {@code ": <the innermost cause's first line>"}, or nothing when it adds nothing. */
    private static String rootCause(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root == t || root.getMessage() == null) {
            return "";
        }
        String text = root.getClass().getSimpleName() + ": " + root.getMessage();
        int newline = text.indexOf('\n');
        text = newline < 0 ? text : text.substring(0, newline);
        return ": " + (text.length() > 200 ? text.substring(0, 200) + "..." : text);
    }

    /** The same line for a failure with no gRPC status (a reason given by the adapter). */
    String message(String what, String reason) {
        return "etcd " + what + " failed at " + hostPorts + ": " + reason;
    }

    /**
     * One line for clients, health details and logs: gRPC's description can carry a whole netty
     * stack trace, so only its first line (at most 200 characters) is kept.
     */
    String describe(Status status) {
        String description = status.getDescription();
        if (description != null) {
            int newline = description.indexOf('\n');
            if (newline >= 0) {
                description = description.substring(0, newline);
            }
            if (description.length() > 200) {
                description = description.substring(0, 200) + "...";
            }
        }
        String detail = status.getCode() + (description == null ? "" : ": " + description);
        return switch (status.getCode()) {
            // gRPC's deadline description is a dump of channel state; the deadline says it all.
            case DEADLINE_EXCEEDED -> "no answer within " + deadline.toMillis() / 1000.0 + " s";
            case UNAVAILABLE, CANCELLED -> "not reachable (" + detail + ")";
            default -> "etcd answered " + detail;
        };
    }

    /**
     * Whether the token must be obtained again and the call retried once: etcd refused the token
     * ({@code UNAUTHENTICATED}: expired, or dropped by an auth disable/enable), or the token was
     * issued before the last change to users or roles ({@code etcdserver: revision of auth store
     * is old}, which etcd checks before it applies anything, so the retry cannot apply twice).
     * This is what jetcd's client does ({@code ClientConnectionManager}'s auth refresh).
     */
    static boolean needsNewToken(Status status) {
        return status.getCode() == Status.Code.UNAUTHENTICATED || Errors.isAuthStoreExpired(status);
    }

    /**
     * Whether etcd canceled a watch in a way an expired or outdated token explains: etcd answers a
     * watch created with such a token with {@code permission denied} (it does not say why), or
     * names the token. The token is then dropped, at the cost of one more {@code Authenticate}
     * when the permission really is missing.
     */
    static boolean watchRefusedForToken(Throwable t) {
        String description = Status.fromThrowable(t).getDescription();
        return description != null && description.startsWith(EtcdWatch.CANCELED)
                && (description.contains("permission denied")
                        || description.contains(Errors.INVALID_AUTH_TOKEN_ERROR_MESSAGE)
                        || description.contains(Errors.ERROR_AUTH_STORE_OLD));
    }

    /** etcd's {@code ErrGRPCCompacted}: a read below the compacted revision. */
    static boolean isCompacted(Status status) {
        return status.getCode() == Status.Code.OUT_OF_RANGE
                && status.getDescription() != null
                && status.getDescription().contains("compacted");
    }

    /**
     * The answer was over the channel's inbound message limit (gRPC itself refuses it on
     * receipt); not etcd's own {@code RESOURCE_EXHAUSTED} answers (no space, too many requests).
     */
    static boolean isOverMessageLimit(Status status) {
        return status.getCode() == Status.Code.RESOURCE_EXHAUSTED
                && status.getDescription() != null
                && status.getDescription().contains("exceeds maximum size");
    }

    /**
     * Whether a read may be sent again: the connection failed (jetcd's {@link
     * Errors#isRetryableForSafeRedoOp}). Never used for a transaction, whose outcome is then
     * unknown.
     */
    static boolean readMayBeRedone(Status status) {
        return Errors.isRetryableForSafeRedoOp(status);
    }
}
