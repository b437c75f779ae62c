package io.lochness.chypervisord.domain.model;

/** A request (or what it would make of a hypervisor) is over one of the {@link Limits}; answered 413. */
public final class LimitExceededException extends ChypervisordException {
    public LimitExceededException(String message) {
        super(message, null);
    }
}
