package io.lochness.chypervisord.adapter.out.kv.spi;

import java.util.Objects;

/**
 * One change a {@link KeyValueStore#watch watch} reports: {@code key} set to {@code value} at
 * {@code revision}, or deleted at {@code revision} when {@code value} is null.
 */
public record KeyChange(String key, String value, long revision) {
    public KeyChange {
        Objects.requireNonNull(key, "key");
        if (revision <= 0) {
            throw new IllegalArgumentException("revision must be positive: " + revision);
        }
    }

    public static KeyChange put(String key, String value, long revision) {
        return new KeyChange(key, Objects.requireNonNull(value, "value"), revision);
    }

    public static KeyChange delete(String key, long revision) {
        return new KeyChange(key, null, revision);
    }

    public boolean deleted() {
        return value == null;
    }
}
