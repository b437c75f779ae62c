package io.lochness.chypervisord.domain.model;

/**
 * A hypervisor config key: 1 to 256 characters, no {@code /}, not {@code .} or {@code ..}, no
 * control characters. Config keys become store key segments ({@code .../config/{key}}), so a
 * key that could climb out of the config folder (the original's {@code ../metadata} hole)
 * cannot exist.
 */
public record ConfigKey(String value) implements Comparable<ConfigKey> {
    public static final int MAX_LENGTH = 256;

    public ConfigKey {
        Segments.requireSegment(value, "config key", MAX_LENGTH);
    }

    @Override
    public int compareTo(ConfigKey other) {
        return value.compareTo(other.value);
    }

    @Override
    public String toString() {
        return value;
    }
}
