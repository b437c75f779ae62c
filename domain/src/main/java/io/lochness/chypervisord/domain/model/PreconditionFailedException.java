package io.lochness.chypervisord.domain.model;

/** The client's If-Match revision is not the record's current one. */
public final class PreconditionFailedException extends ChypervisordException {
    public PreconditionFailedException(String message) {
        super(message, null);
    }
}
