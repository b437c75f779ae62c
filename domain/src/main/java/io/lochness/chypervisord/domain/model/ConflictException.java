package io.lochness.chypervisord.domain.model;

/** The record kept changing under a write; every retry lost the race. */
public final class ConflictException extends ChypervisordException {
    public ConflictException(String message) {
        super(message, null);
    }
}
