package io.lochness.chypervisord.domain.model;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A hypervisor record: a physical host that runs guests. Its config, subnets and guests live
 * beside it in the store and are read and written through their own operations.
 */
public record Hypervisor(
        HypervisorId id,
        Map<String, String> metadata,
        IpAddress ip,
        IpAddress netmask,
        IpAddress gateway,
        MacAddress mac,
        Resources totalResources,
        Resources availableResources) {

    public Hypervisor {
        Objects.requireNonNull(id, "id");
        metadata = sortedCopy(metadata);
        ip = Objects.requireNonNullElse(ip, IpAddress.UNSET);
        netmask = Objects.requireNonNullElse(netmask, IpAddress.UNSET);
        gateway = Objects.requireNonNullElse(gateway, IpAddress.UNSET);
        mac = Objects.requireNonNullElse(mac, MacAddress.UNSET);
        totalResources = Objects.requireNonNullElse(totalResources, Resources.ZERO);
        availableResources = Objects.requireNonNullElse(availableResources, Resources.ZERO);
    }

    /** A record with only an id: empty metadata, unset addresses, zero resources. */
    public static Hypervisor blank(HypervisorId id) {
        return new Hypervisor(id, Map.of(), null, null, null, null, null, null);
    }

    /** Metadata is held sorted by key, as Go's encoder writes maps, and unmodifiable. */
    private static Map<String, String> sortedCopy(Map<String, String> metadata) {
        if (metadata == null || metadata.isEmpty()) {
            return Collections.emptySortedMap();
        }
        TreeMap<String, String> copy = new TreeMap<>();
        metadata.forEach(
                (k, v) -> {
                    if (k == null || v == null) {
                        throw new InvalidInputException("metadata keys and values must be strings");
                    }
                    copy.put(k, v);
                });
        return Collections.unmodifiableSortedMap(copy);
    }
}
