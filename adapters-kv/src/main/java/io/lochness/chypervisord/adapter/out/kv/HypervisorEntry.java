package io.lochness.chypervisord.adapter.out.kv;

import io.lochness.chypervisord.adapter.out.kv.LochnessLayout.Part;
import io.lochness.chypervisord.adapter.out.kv.spi.KeyValue;
import io.lochness.chypervisord.domain.model.Hypervisor;
import io.lochness.chypervisord.domain.model.HypervisorId;
import io.lochness.chypervisord.domain.model.Limits;
import io.lochness.chypervisord.domain.model.StoredDataInvalidException;
import io.lochness.chypervisord.domain.model.StoredHypervisor;
import io.lochness.chypervisord.domain.model.Versioned;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What the view holds of one hypervisor: immutable, replaced whole on each change, so a reader
 * always sees one revision's state of it. The record is decoded once, when its key changes.
 *
 * <p>Keys of a hypervisor can exist without its record (a guest written before the record, or a
 * record deleted by another writer that left children): such an entry is kept, to hold them,
 * but is not a hypervisor ({@link #exists()} false).
 */
record HypervisorEntry(
        HypervisorId id,
        long revision,
        Hypervisor record,
        String unreadable,
        SortedMap<String, Versioned<String>> config,
        SortedMap<String, Versioned<String>> subnets,
        SortedMap<String, Long> guests,
        boolean alive,
        long childBytes) {

    /** {@code childBytes} is computed here, whatever is passed: the UTF-8 bytes of config and subnets, keys and values. */
    HypervisorEntry {
        childBytes = bytesOf(config) + bytesOf(subnets);
    }

    private static long bytesOf(SortedMap<String, Versioned<String>> children) {
        long bytes = 0;
        for (var e : children.entrySet()) {
            bytes += Limits.utf8Length(e.getKey()) + Limits.utf8Length(e.getValue().value());
        }
        return bytes;
    }

    private static final SortedMap<String, Versioned<String>> NO_CHILDREN = Collections.emptySortedMap();
    private static final SortedMap<String, Long> NO_GUESTS = Collections.emptySortedMap();

    static HypervisorEntry empty(HypervisorId id) {
        return new HypervisorEntry(id, 0, null, null, NO_CHILDREN, NO_CHILDREN, NO_GUESTS, false, 0);
    }

    /**
     * The entry that {@code keys} (all of one hypervisor's keys, as one read found them) make;
     * keys that are not part of the layout are ignored.
     */
    static HypervisorEntry of(HypervisorId id, List<KeyValue> keys) {
        long revision = 0;
        Hypervisor record = null;
        String unreadable = null;
        TreeMap<String, Versioned<String>> config = new TreeMap<>();
        TreeMap<String, Versioned<String>> subnets = new TreeMap<>();
        TreeMap<String, Long> guests = new TreeMap<>();
        boolean alive = false;
        for (KeyValue kv : keys) {
            LochnessLayout.Key key = LochnessLayout.parse(kv.key());
            if (key == null || !key.id().equals(id.value())) {
                continue;
            }
            switch (key.part()) {
                case METADATA -> {
                    revision = kv.revision();
                    try {
                        record = RecordCodec.decode(kv.key(), id, kv.value());
                    } catch (StoredDataInvalidException e) {
                        unreadable = e.getMessage();
                    }
                }
                case CONFIG -> config.put(key.name(), new Versioned<>(kv.value(), kv.revision()));
                case SUBNET -> subnets.put(key.name(), new Versioned<>(kv.value(), kv.revision()));
                case GUEST -> guests.put(key.name(), kv.revision());
                case HEARTBEAT -> alive = true;
            }
        }
        return new HypervisorEntry(id, revision, record, unreadable,
                config.isEmpty() ? NO_CHILDREN : Collections.unmodifiableSortedMap(config),
                subnets.isEmpty() ? NO_CHILDREN : Collections.unmodifiableSortedMap(subnets),
                guests.isEmpty() ? NO_GUESTS : Collections.unmodifiableSortedMap(guests), alive, 0);
    }

    /** Whether the hypervisor has a record (readable or not). */
    boolean exists() {
        return revision > 0;
    }

    /** Whether nothing at all is stored for it. */
    boolean isEmpty() {
        return !exists() && config.isEmpty() && subnets.isEmpty() && guests.isEmpty() && !alive;
    }

    /** This entry with one key set ({@code value} non-null) or deleted. */
    HypervisorEntry with(Part part, String name, String key, String value, long keyRevision) {
        return switch (part) {
            case METADATA -> {
                if (value == null) {
                    yield new HypervisorEntry(id, 0, null, null, config, subnets, guests, alive, 0);
                }
                Hypervisor decoded = null;
                String problem = null;
                try {
                    decoded = RecordCodec.decode(key, id, value);
                } catch (StoredDataInvalidException e) {
                    problem = e.getMessage();
                }
                yield new HypervisorEntry(id, keyRevision, decoded, problem, config, subnets, guests, alive, 0);
            }
            case CONFIG -> new HypervisorEntry(id, revision, record, unreadable,
                    changed(config, name, value, keyRevision), subnets, guests, alive, 0);
            case SUBNET -> new HypervisorEntry(id, revision, record, unreadable, config,
                    changed(subnets, name, value, keyRevision), guests, alive, 0);
            case GUEST -> {
                TreeMap<String, Long> next = new TreeMap<>(guests);
                if (value == null) {
                    next.remove(name);
                } else {
                    next.put(name, keyRevision);
                }
                yield new HypervisorEntry(id, revision, record, unreadable, config, subnets,
                        Collections.unmodifiableSortedMap(next), alive, 0);
            }
            case HEARTBEAT -> new HypervisorEntry(id, revision, record, unreadable, config, subnets, guests, value != null, 0);
        };
    }

    private static SortedMap<String, Versioned<String>> changed(
            SortedMap<String, Versioned<String>> children, String name, String value, long keyRevision) {
        TreeMap<String, Versioned<String>> next = new TreeMap<>(children);
        if (value == null) {
            next.remove(name);
        } else {
            next.put(name, new Versioned<>(value, keyRevision));
        }
        return Collections.unmodifiableSortedMap(next);
    }

    /** The domain's view of it; only for an entry that {@link #exists()}. */
    StoredHypervisor toStored() {
        return new StoredHypervisor(id, revision, record, record == null ? unreadable : null, config, subnets,
                new ArrayList<>(guests.keySet()), alive);
    }
}
