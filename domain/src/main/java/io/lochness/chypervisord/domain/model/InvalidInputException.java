package io.lochness.chypervisord.domain.model;

/** The request is malformed or a value breaks a rule of the model. */
public final class InvalidInputException extends ChypervisordException {
    public InvalidInputException(String message) {
        super(message, null);
    }
}
