package io.lochness.chypervisord.domain.model;

/**
 * One event of the change feed: a hypervisor that entered the query ({@code ADDED}), changed
 * within it ({@code MODIFIED}: its record, config, subnets, guests or heartbeat) or left it
 * ({@code DELETED}, carrying the last state it had while it matched, or its state now when it
 * still exists but no longer matches), at a store revision; or {@code SYNCED}: the initial state
 * has been sent (no hypervisor).
 *
 * <p>{@code resumable}: whether a consumer that has this event may resume after its revision and
 * miss nothing. Not so for the initial state's {@code ADDED} events (before {@code SYNCED}), nor
 * for all but the last event of a revision that changed several hypervisors.
 */
public record HypervisorChange(Type type, long revision, StoredHypervisor state, boolean resumable) {
    public enum Type {
        ADDED,
        MODIFIED,
        DELETED,
        SYNCED
    }

    public HypervisorChange {
        if ((type == Type.SYNCED) != (state == null)) {
            throw new IllegalArgumentException("a SYNCED event and only it carries no hypervisor");
        }
    }
}
