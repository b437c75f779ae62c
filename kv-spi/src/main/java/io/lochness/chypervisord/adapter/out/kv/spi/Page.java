package io.lochness.chypervisord.adapter.out.kv.spi;

import java.util.List;

/**
 * One page of a {@link KeyValueStore#readPage paged read}: entries sorted by key, the revision
 * the whole paged read is taken at, and whether more keys follow the last one.
 */
public record Page(List<KeyValue> entries, long revision, boolean more) {
    public Page {
        entries = List.copyOf(entries);
        if (more && entries.isEmpty()) {
            throw new IllegalArgumentException("a page that says more keys follow must hold at least one");
        }
    }

    /** The key to continue after, or null when the page is empty. */
    public String lastKey() {
        return entries.isEmpty() ? null : entries.get(entries.size() - 1).key();
    }
}
