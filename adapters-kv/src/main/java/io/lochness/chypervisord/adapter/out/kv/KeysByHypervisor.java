package io.lochness.chypervisord.adapter.out.kv;

import io.lochness.chypervisord.adapter.out.kv.spi.KeyValue;
import java.util.ArrayList;
import java.util.List;

/**
 * Gathers the keys of a paged read of {@link LochnessLayout#HYPERVISORS}, which come sorted by
 * key, into one list per hypervisor id segment (a hypervisor's keys may straddle two pages).
 * Keys that are not part of the layout are skipped. Used by the view's load and by the direct
 * list.
 */
final class KeysByHypervisor {
    /** One hypervisor's keys, under its id segment as stored (not yet validated). */
    record Group(String rawId, List<KeyValue> keys) {}

    private String currentId;
    private List<KeyValue> currentKeys = new ArrayList<>();

    /** Adds {@code kv}; answers the group it completes (the previous hypervisor's keys), or null. */
    Group add(KeyValue kv) {
        LochnessLayout.Key key = LochnessLayout.parse(kv.key());
        if (key == null) {
            return null;
        }
        Group done = null;
        if (!key.id().equals(currentId)) {
            done = finish();
            currentId = key.id();
        }
        currentKeys.add(kv);
        return done;
    }

    /** The last group (null when there is none); the gatherer is then empty. */
    Group finish() {
        Group done = currentId == null || currentKeys.isEmpty() ? null : new Group(currentId, currentKeys);
        currentId = null;
        currentKeys = new ArrayList<>();
        return done;
    }
}
