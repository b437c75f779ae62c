package io.lochness.chypervisord.domain.model;

/**
 * Memory, disk and CPU of a hypervisor, as the original's Go record holds them: memory and disk
 * are {@code uint64} (0 to 18446744073709551615), cpu a {@code uint32} (0 to 4294967295). Memory
 * and disk are held in a {@code long}'s 64 bits and read <em>unsigned</em>: the original's agents
 * compute {@code available = total - usage} in unsigned arithmetic, so an overcommitted
 * hypervisor stores a wrapped value such as 18446744073709551615, which must be served exactly.
 * Compare with {@link Long#compareUnsigned} and print with {@link Long#toUnsignedString(long)}.
 */
public record Resources(long memory, long disk, long cpu) {
    public static final long MAX_CPU = 0xFFFF_FFFFL;
    public static final Resources ZERO = new Resources(0, 0, 0);

    public Resources {
        if (cpu < 0 || cpu > MAX_CPU) {
            throw new InvalidInputException("cpu must be a whole number from 0 to 4294967295, got "
                    + Long.toUnsignedString(cpu));
        }
    }

    /** Whether every resource here is at least the one in {@code floor}, compared unsigned. */
    public boolean atLeast(Resources floor) {
        return Long.compareUnsigned(memory, floor.memory) >= 0
                && Long.compareUnsigned(disk, floor.disk) >= 0
                && cpu >= floor.cpu;
    }

    @Override
    public String toString() {
        return "Resources[memory=" + Long.toUnsignedString(memory) + ", disk=" + Long.toUnsignedString(disk)
                + ", cpu=" + cpu + "]";
    }
}
