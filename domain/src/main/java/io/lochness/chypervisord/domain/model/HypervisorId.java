package io.lochness.chypervisord.domain.model;

import java.util.UUID;

/** A hypervisor's id: a UUID, held lowercase so that either spelling finds the record. */
public record HypervisorId(String value) implements Comparable<HypervisorId> {
    public HypervisorId {
        value = Uuids.canonical(value, "hypervisor id");
    }

    public static HypervisorId random() {
        return new HypervisorId(UUID.randomUUID().toString());
    }

    @Override
    public int compareTo(HypervisorId other) {
        return value.compareTo(other.value);
    }

    @Override
    public String toString() {
        return value;
    }
}
