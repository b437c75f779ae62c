package io.lochness.chypervisord.domain.model;

/** No hypervisor is registered under the id. */
public final class HypervisorNotFoundException extends ChypervisordException {
    public HypervisorNotFoundException(String message) {
        super(message, null);
    }
}
