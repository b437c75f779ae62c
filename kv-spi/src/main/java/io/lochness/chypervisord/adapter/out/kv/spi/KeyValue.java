package io.lochness.chypervisord.adapter.out.kv.spi;

import java.util.Objects;

/** One stored key with its value and the store revision that last modified it. */
public record KeyValue(String key, String value, long revision) {
    public KeyValue {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        if (revision <= 0) {
            throw new IllegalArgumentException("revision must be positive: " + revision);
        }
    }
}
