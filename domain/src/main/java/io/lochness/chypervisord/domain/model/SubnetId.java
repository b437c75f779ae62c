package io.lochness.chypervisord.domain.model;

/** A subnet's id: a UUID, held lowercase. */
public record SubnetId(String value) implements Comparable<SubnetId> {
    public SubnetId {
        value = Uuids.canonical(value, "subnet id");
    }

    @Override
    public int compareTo(SubnetId other) {
        return value.compareTo(other.value);
    }

    @Override
    public String toString() {
        return value;
    }
}
