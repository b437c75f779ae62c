package io.lochness.chypervisord.domain.model;

/** The key-value store did not answer within its deadline, or answered with an error. */
public non-sealed class StoreUnavailableException extends ChypervisordException {
    public StoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }

    public StoreUnavailableException(String message) {
        super(message, null);
    }
}
