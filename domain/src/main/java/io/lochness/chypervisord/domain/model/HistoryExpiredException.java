package io.lochness.chypervisord.domain.model;

/**
 * A change feed was asked to resume after a revision whose following changes it no longer keeps
 * (or never saw): the client must start again from the current state.
 */
public final class HistoryExpiredException extends ChypervisordException {
    public HistoryExpiredException(String message) {
        super(message, null);
    }
}
