package io.lochness.chypervisord.domain.model;

import java.util.Map;

/**
 * The fields a POST or PATCH body gives; a null field is "not given" and keeps the current
 * value. Metadata, when given, replaces the whole map.
 */
public record HypervisorPatch(
        HypervisorId id,
        Map<String, String> metadata,
        IpAddress ip,
        IpAddress netmask,
        IpAddress gateway,
        MacAddress mac,
        Resources totalResources,
        Resources availableResources) {

    public static final HypervisorPatch EMPTY = new HypervisorPatch(null, null, null, null, null, null, null, null);

    /** A patch is what a request gives: its metadata must be within the {@link Limits}. */
    public HypervisorPatch {
        Limits.checkMetadata(metadata);
    }

    /** {@code current} with every given field replaced. The id is never changed here. */
    public Hypervisor applyTo(Hypervisor current) {
        return new Hypervisor(
                current.id(),
                metadata != null ? metadata : current.metadata(),
                ip != null ? ip : current.ip(),
                netmask != null ? netmask : current.netmask(),
                gateway != null ? gateway : current.gateway(),
                mac != null ? mac : current.mac(),
                totalResources != null ? totalResources : current.totalResources(),
                availableResources != null ? availableResources : current.availableResources());
    }
}
