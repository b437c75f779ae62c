package io.lochness.chypervisord.domain.model;

/** The hypervisor still has guests, so it cannot be removed. */
public final class HypervisorHasGuestsException extends ChypervisordException {
    public HypervisorHasGuestsException(String message) {
        super(message, null);
    }
}
