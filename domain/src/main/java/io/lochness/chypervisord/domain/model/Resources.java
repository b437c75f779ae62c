package io.lochness.chypervisord.domain.model;

/**
 * Memory, disk and CPU of a hypervisor: memory and disk are whole numbers from 0 to 2^63-1, cpu
 * from 0 to 2^32-1 (Go's {@code uint32} in the original record).
 */
public record Resources(long memory, long disk, long cpu) {
    public static final long MAX_CPU = 0xFFFF_FFFFL;
    public static final Resources ZERO = new Resources(0, 0, 0);

    public Resources {
        if (memory < 0) {
            throw new InvalidInputException("memory must be a whole number from 0 to 2^63-1, got " + memory);
        }
        if (disk < 0) {
            throw new InvalidInputException("disk must be a whole number from 0 to 2^63-1, got " + disk);
        }
        if (cpu < 0 || cpu > MAX_CPU) {
            throw new InvalidInputException("cpu must be a whole number from 0 to 4294967295, got " + cpu);
        }
    }
}
