package io.lochness.chypervisord.domain.model;

import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Everything the registry keeps of one hypervisor, as one consistent read found it: its record
 * and the record's revision (the ETag), its config and subnets (each value with the revision that
 * last wrote it), its guests' ids and whether its heartbeat is alive.
 *
 * <p>A record another writer stored in a form this service cannot read is held as {@code
 * unreadable} (a message), not as a record: {@link #record()} then throws, while its config,
 * subnets and guests can still be served and its keys deleted.
 */
public record StoredHypervisor(
        HypervisorId id,
        long revision,
        Hypervisor readable,
        String unreadable,
        SortedMap<String, Versioned<String>> config,
        SortedMap<String, Versioned<String>> subnets,
        List<String> guests,
        boolean alive) {

    public StoredHypervisor {
        Objects.requireNonNull(id, "id");
        if ((readable == null) == (unreadable == null)) {
            throw new IllegalArgumentException("a stored hypervisor is either readable or unreadable");
        }
        // Unmodifiable views, not copies: this is built for every read, from maps its maker
        // (the persistence adapter) never changes afterwards; copying them cost a tenth of a GET.
        config = Collections.unmodifiableSortedMap(config);
        subnets = Collections.unmodifiableSortedMap(subnets);
        guests = Collections.unmodifiableList(guests);
    }

    /**
     * The record.
     *
     * @throws StoredDataInvalidException when the stored record cannot be read
     */
    public Hypervisor record() {
        if (readable == null) {
            throw new StoredDataInvalidException(unreadable);
        }
        return readable;
    }

    /** The config as key to value, sorted by key. */
    public SortedMap<String, String> configValues() {
        return values(config);
    }

    /** The subnets as subnet id to bridge, sorted by subnet id. */
    public SortedMap<String, String> subnetValues() {
        return values(subnets);
    }

    private static SortedMap<String, String> values(SortedMap<String, Versioned<String>> children) {
        SortedMap<String, String> out = new TreeMap<>();
        children.forEach((name, value) -> out.put(name, value.value()));
        return out;
    }
}
