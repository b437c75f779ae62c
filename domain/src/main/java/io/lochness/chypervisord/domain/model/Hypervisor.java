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

    /** Orders strings by code point, which is UTF-8 byte order: the order Go writes map keys in. */
    public static int compareCodePoints(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }

    /** Metadata is held sorted by key, as Go's encoder writes maps, and unmodifiable. */
    private static Map<String, String> sortedCopy(Map<String, String> metadata) {
        if (metadata == null || metadata.isEmpty()) {
            return Collections.emptySortedMap();
        }
        TreeMap<String, String> copy = new TreeMap<>(Hypervisor::compareCodePoints);
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
