package io.lochness.chypervisord.domain.port.out;

import io.lochness.chypervisord.domain.model.ChangeSubscription;
import io.lochness.chypervisord.domain.model.FeedUnavailableException;
import io.lochness.chypervisord.domain.model.HistoryExpiredException;
import io.lochness.chypervisord.domain.model.Hypervisor;
import io.lochness.chypervisord.domain.model.HypervisorId;
import io.lochness.chypervisord.domain.model.HypervisorPage;
import io.lochness.chypervisord.domain.model.HypervisorQuery;
import io.lochness.chypervisord.domain.model.StoreUnavailableException;
import io.lochness.chypervisord.domain.model.StoredHypervisor;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.SortedMap;

/**
 * Out-port: where the registry keeps its hypervisors, spoken in records and revisions (the
 * store's keys, layout and JSON are the adapter's business).
 *
 * <p>Reads are <em>consistent</em>: a read never answers older data than a direct store read
 * started at the same moment would (a write acknowledged to anyone, through this service or
 * straight into the store, before the read began is seen). Writes are compare-and-set: each is
 * one atomic store transaction guarded by the revision the caller read, and answers a conflict
 * (nothing written) when the guard fails; retrying is the caller's policy.
 *
 * <p>Every call is bounded by the store's deadline and throws {@link StoreUnavailableException}
 * when the store does not answer; nothing is ever half written.
 */
public interface HypervisorRepository {

    /** Which children of a hypervisor a change is about. */
    enum Children {
        CONFIG,
        SUBNETS
    }

    /** A short name of the store for messages: {@code etcd}, {@code consul}, {@code memory}. */
    String storeName();

    /**
     * Every hypervisor whose record can be read, sorted by id. A record that cannot be read is
     * left out (and logged by the adapter) rather than failing the whole list.
     */
    List<Hypervisor> list();

    /**
     * The hypervisors that match {@code query}, sorted by id, at most its limit of them after its
     * {@code after}, consistent as above; a page holds no more than the limit in memory (plus one
     * hypervisor's keys). Unreadable records are left out, as in {@link #list()}.
     */
    HypervisorPage list(HypervisorQuery query);

    /**
     * Subscribes to the change feed of the hypervisors that match {@code query} (its page bounds
     * are ignored): without {@code since}, first one {@code ADDED} per match from one consistent
     * read and {@code SYNCED}; with it, every change after that revision. Then every change, in
     * store order.
     *
     * @throws HistoryExpiredException when the changes after {@code since} are no longer kept
     * @throws FeedUnavailableException when this repository has no feed (no view)
     */
    ChangeSubscription watch(HypervisorQuery query, OptionalLong since);

    /** One hypervisor, consistent as above; empty when it has no record. */
    Optional<StoredHypervisor> find(HypervisorId id);

    /**
     * One hypervisor read straight from the store, for a read-modify-write: the revisions it
     * carries are the store's latest.
     */
    Optional<StoredHypervisor> findLatest(HypervisorId id);

    /**
     * One hypervisor as it is at least after every write this service has acknowledged (its
     * clients' own earlier writes are in it; another writer's racing one may not be), without a
     * store round trip where the adapter can: for checks such as the size limits before a
     * one-round-trip write, which must see a client's own previous request but need not wait for
     * the whole store.
     */
    Optional<StoredHypervisor> findAfterOwnWrites(HypervisorId id);

    /** Stores a new record; empty when the id is taken (nothing written). */
    OptionalLong create(Hypervisor record);

    /** Replaces the record if it is still at {@code revision}; empty on conflict. */
    OptionalLong replace(Hypervisor record, long revision);

    /**
     * Removes the hypervisor with everything under it, if its record is still at {@code revision}
     * and it has no guests; false on conflict (nothing removed). On a store that cannot check "no
     * guests" atomically with the removal (Consul; the SPI's {@code prefixConditionAtomic()}), a
     * guest written in the adapter's window between its check and the removal is removed too.
     */
    boolean delete(HypervisorId id, long revision);

    /**
     * Sets the named children to the given values, deleting those given an empty value, if the
     * record is still at {@code recordRevision} and each child named in {@code childRevisions} is
     * still at the revision given (0: absent); empty on conflict (nothing written).
     */
    OptionalLong patchChildren(HypervisorId id, Children kind, SortedMap<String, String> changes,
            long recordRevision, Map<String, Long> childRevisions);

    /**
     * Sets the named children as {@link #patchChildren} does, guarded only by the record's
     * existence, and answers the whole resulting map as the change left it, read in the same
     * transaction (one store round trip); empty on conflict (the record is missing). Only when
     * {@link #patchesInOneRoundTrip()}.
     */
    Optional<SortedMap<String, String>> patchChildrenReadBack(
            HypervisorId id, Children kind, SortedMap<String, String> changes);

    /** Whether {@link #patchChildrenReadBack} is offered by this store for a change of this many children. */
    boolean patchesInOneRoundTrip(int changes);

    /** The most children one change may name (a store transaction's size bound). */
    int maxChildrenPerChange();

}
