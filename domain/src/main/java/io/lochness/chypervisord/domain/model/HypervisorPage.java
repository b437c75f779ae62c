package io.lochness.chypervisord.domain.model;

import java.util.List;

/**
 * One answer of a list: the matching hypervisors sorted by id, and whether more may follow
 * after the last of them (the query's page was full).
 */
public record HypervisorPage(List<Hypervisor> items, boolean more) {
    public HypervisorPage {
        items = List.copyOf(items);
    }

    /** The id to continue after, when {@link #more()}. */
    public HypervisorId last() {
        return items.isEmpty() ? null : items.get(items.size() - 1).id();
    }
}
