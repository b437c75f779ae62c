package io.lochness.chypervisord.domain.model;

/** A hypervisor with that id is already registered. */
public final class HypervisorAlreadyExistsException extends ChypervisordException {
    public HypervisorAlreadyExistsException(String message) {
        super(message, null);
    }
}
