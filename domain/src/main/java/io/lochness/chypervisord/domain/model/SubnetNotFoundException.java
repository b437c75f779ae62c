package io.lochness.chypervisord.domain.model;

/** The subnet is not assigned to the hypervisor. */
public final class SubnetNotFoundException extends ChypervisordException {
    public SubnetNotFoundException(String message) {
        super(message, null);
    }
}
