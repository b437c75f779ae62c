package io.lochness.chypervisord.domain.model;

/** The change feed cannot be served by this service as configured (no view of the registry). */
public final class FeedUnavailableException extends ChypervisordException {
    public FeedUnavailableException(String message) {
        super(message, null);
    }
}
