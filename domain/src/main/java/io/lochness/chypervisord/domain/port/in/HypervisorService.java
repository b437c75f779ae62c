package io.lochness.chypervisord.domain.port.in;

import io.lochness.chypervisord.domain.model.BridgeName;
import io.lochness.chypervisord.domain.model.ConfigKey;
import io.lochness.chypervisord.domain.model.ChangeSubscription;
import io.lochness.chypervisord.domain.model.Hypervisor;
import io.lochness.chypervisord.domain.model.HypervisorId;
import io.lochness.chypervisord.domain.model.HypervisorPage;
import io.lochness.chypervisord.domain.model.HypervisorPatch;
import io.lochness.chypervisord.domain.model.HypervisorQuery;
import io.lochness.chypervisord.domain.model.Precondition;
import io.lochness.chypervisord.domain.model.SubnetId;
import io.lochness.chypervisord.domain.model.Versioned;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.SortedMap;

/**
 * In-port: the hypervisor registry's operations, one per HTTP API operation.
 *
 * <p>Reads are consistent (never older than a store read started at the same moment; served from
 * the registry view where there is one). A write reads the hypervisor straight from the store and
 * commits one atomic transaction guarded by the record's revision, so a write never lands on a record that changed or vanished
 * since it was read. A {@link Precondition} that is not met fails with {@code
 * PreconditionFailedException}; without one, a write that loses a race re-reads and retries.
 */
public interface HypervisorService {

    /**
     * Every hypervisor, sorted by id, from one consistent state. A record that cannot be read
     * (corrupted by another writer) is left out and logged rather than failing the whole list.
     */
    List<Hypervisor> list();

    /**
     * The hypervisors that match {@code query}, sorted by id: one page when it has a limit (more
     * may follow after the last when the page is full).
     */
    HypervisorPage list(HypervisorQuery query);

    /**
     * The change feed of the hypervisors that match {@code query}: the current state (one {@code
     * ADDED} each, then {@code SYNCED}) unless {@code since} is given, then every change in store
     * order. Close the subscription when done.
     */
    ChangeSubscription watch(HypervisorQuery query, OptionalLong since);

    /** One hypervisor with its record revision. */
    Versioned<Hypervisor> get(HypervisorId id);

    /**
     * Registers a hypervisor made of the given fields (absent ones empty or zero); without an id
     * in {@code fields}, a random one is chosen. Fails if the id is taken, leaving it untouched.
     */
    Versioned<Hypervisor> create(HypervisorPatch fields);

    /** Replaces the given fields of a record and keeps the rest. */
    Versioned<Hypervisor> update(HypervisorId id, HypervisorPatch patch, Precondition precondition);

    /**
     * Removes a hypervisor with its config and subnets, refusing while it has guests; returns the
     * removed record.
     */
    Hypervisor delete(HypervisorId id, Precondition precondition);

    /** The hypervisor's config, sorted by key. */
    SortedMap<String, String> config(HypervisorId id);

    /** Sets the given keys and deletes those given an empty value; returns the whole config. */
    SortedMap<String, String> updateConfig(HypervisorId id, Map<ConfigKey, String> changes, Precondition precondition);

    /** The hypervisor's subnets: subnet id to bridge name, sorted by subnet id. */
    SortedMap<String, String> subnets(HypervisorId id);

    /** Adds (or re-points) the given subnets; returns the whole map. */
    SortedMap<String, String> addSubnets(HypervisorId id, Map<SubnetId, BridgeName> subnets, Precondition precondition);

    /** Removes one subnet; returns the remaining map. */
    SortedMap<String, String> removeSubnet(HypervisorId id, SubnetId subnet, Precondition precondition);

    /** The ids of the guests placed on the hypervisor, sorted. */
    List<String> guests(HypervisorId id);
}
