package io.lochness.chypervisord.domain.model;

/** A value in the store, written by someone else, cannot be read as the model. */
public final class StoredDataInvalidException extends ChypervisordException {
    public StoredDataInvalidException(String message) {
        super(message, null);
    }
}
