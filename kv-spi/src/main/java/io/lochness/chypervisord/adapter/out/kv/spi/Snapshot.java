package io.lochness.chypervisord.adapter.out.kv.spi;

import java.util.List;
import java.util.Optional;

/** The result of a prefix read: entries sorted by key and the store revision of the read. */
public record Snapshot(List<KeyValue> entries, long revision) {
    public Snapshot {
        entries = List.copyOf(entries);
    }

    /** The entry stored under exactly {@code key}, if any. */
    public Optional<KeyValue> get(String key) {
        for (KeyValue kv : entries) {
            if (kv.key().equals(key)) {
                return Optional.of(kv);
            }
        }
        return Optional.empty();
    }

    /** The entries whose keys start with {@code prefix}, in key order. */
    public List<KeyValue> under(String prefix) {
        return entries.stream().filter(kv -> kv.key().startsWith(prefix)).toList();
    }
}
