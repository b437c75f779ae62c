package io.lochness.chypervisord.domain.service;

import io.lochness.chypervisord.domain.model.BridgeName;
import io.lochness.chypervisord.domain.model.ConfigKey;
import io.lochness.chypervisord.domain.model.ConflictException;
import io.lochness.chypervisord.domain.model.Hypervisor;
import io.lochness.chypervisord.domain.model.HypervisorAlreadyExistsException;
import io.lochness.chypervisord.domain.model.HypervisorHasGuestsException;
import io.lochness.chypervisord.domain.model.HypervisorId;
import io.lochness.chypervisord.domain.model.HypervisorNotFoundException;
import io.lochness.chypervisord.domain.model.HypervisorPatch;
import io.lochness.chypervisord.domain.model.InvalidInputException;
import io.lochness.chypervisord.domain.model.Precondition;
import io.lochness.chypervisord.domain.model.PreconditionFailedException;
import io.lochness.chypervisord.domain.model.StoredDataInvalidException;
import io.lochness.chypervisord.domain.model.SubnetId;
import io.lochness.chypervisord.domain.model.SubnetNotFoundException;
import io.lochness.chypervisord.domain.model.Versioned;
import io.lochness.chypervisord.domain.port.in.HypervisorService;
import io.lochness.chypervisord.domain.port.out.KeyValue;
import io.lochness.chypervisord.domain.port.out.KeyValueStore;
import io.lochness.chypervisord.domain.port.out.Snapshot;
import io.lochness.chypervisord.domain.port.out.Txn;
import io.lochness.chypervisord.domain.port.out.TxnResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.IntFunction;

/**
 * The hypervisor registry: implements the in-port over the key-value store port.
 *
 * <p>Each write is read-modify-write: one prefix read of the hypervisor's keys, then one
 * transaction guarded by the record's revision (so it cannot land on a record that was changed
 * or deleted meanwhile, nor orphan config or subnets of a deleted one). A transaction that loses
 * a race is retried from a fresh read up to {@value #MAX_ATTEMPTS} times; a client's {@link
 * Precondition} is checked against each fresh read, so a stale {@code If-Match} fails rather than
 * being retried over.
 */
public final class HypervisorRegistry implements HypervisorService {
    static final int MAX_ATTEMPTS = 16;
    private static final System.Logger LOG = System.getLogger(HypervisorRegistry.class.getName());

    private final KeyValueStore store;
    private final ConflictListener conflicts;
    private final FreshReadCoalescer<List<Hypervisor>> lists = new FreshReadCoalescer<>(this::readList);

    /** Told of each lost race that is retried, for metrics. */
    @FunctionalInterface
    public interface ConflictListener {
        void retried(String operation);
    }

    public HypervisorRegistry(KeyValueStore store) {
        this(store, operation -> {});
    }

    public HypervisorRegistry(KeyValueStore store, ConflictListener conflicts) {
        this.store = store;
        this.conflicts = conflicts;
    }

    /**
     * What one hypervisor's keys say, as read in one round trip. The record is decoded only when
     * asked for: the config, subnets and guests need only to know that it exists.
     */
    private record Current(HypervisorId id, Snapshot snapshot, KeyValue metadataKey) {
        Hypervisor record() {
            return RecordCodec.decode(metadataKey.key(), id, metadataKey.value());
        }

        long revision() {
            return metadataKey.revision();
        }

        SortedMap<String, String> children(String prefix) {
            return HypervisorRegistry.children(prefix, snapshot.under(prefix));
        }

        Txn.KeyAt unchanged() {
            return new Txn.KeyAt(metadataKey.key(), metadataKey.revision());
        }
    }

    private Current read(HypervisorId id) {
        Snapshot snapshot = store.read(LochnessLayout.prefix(id));
        String metadataKey = LochnessLayout.metadata(id);
        KeyValue kv = snapshot.get(metadataKey)
                .orElseThrow(() -> new HypervisorNotFoundException("hypervisor " + id + " not found"));
        return new Current(id, snapshot, kv);
    }

    private Current readChecked(HypervisorId id, Precondition precondition) {
        Current current = read(id);
        if (!precondition.allows(current.revision())) {
            throw new PreconditionFailedException(
                    "hypervisor " + id + " is at revision " + current.revision()
                            + ", not the one given in If-Match");
        }
        return current;
    }

    /**
     * Runs {@code attempt} until its transaction commits: attempt {@code n} (from 0) reads what it
     * needs afresh and returns the transaction to commit and what to answer from its result.
     */
    private <T> T retrying(String operation, IntFunction<Attempt<T>> attempt) {
        for (int n = 0; n < MAX_ATTEMPTS; n++) {
            Attempt<T> a = attempt.apply(n);
            if (a.txn().size() > store.maxTxnOperations()) {
                throw new InvalidInputException(
                        "this change needs " + a.txn().size() + " store operations in one transaction; the "
                                + store.name() + " store takes at most " + store.maxTxnOperations()
                                + ": send it in smaller parts");
            }
            TxnResult result = store.commit(a.txn());
            if (result.committed()) {
                return a.result().apply(result);
            }
            if (n + 1 < MAX_ATTEMPTS) {
                conflicts.retried(operation);
            }
        }
        throw new ConflictException(
                operation + " lost the race to concurrent writers " + MAX_ATTEMPTS + " times in a row; try again");
    }

    private record Attempt<T>(Txn txn, Function<TxnResult, T> result) {}

    /**
     * {@inheritDoc}
     *
     * <p>Concurrent calls share store reads ({@link FreshReadCoalescer}): each gets the result
     * of one read that started after it called, so the list is as fresh as if it had read alone.
     */
    @Override
    public List<Hypervisor> list() {
        return lists.get();
    }

    private List<Hypervisor> readList() {
        // Only the records: the config, subnet and guest keys beside them are not part of the list.
        Snapshot all = store.read(LochnessLayout.HYPERVISORS, LochnessLayout.METADATA_SUFFIX);
        List<Hypervisor> out = new ArrayList<>();
        for (KeyValue kv : all.entries()) {
            String id = LochnessLayout.idOfMetadataKey(kv.key());
            if (id != null) {
                HypervisorId hid;
                try {
                    hid = new HypervisorId(id);
                } catch (InvalidInputException e) {
                    continue; // not a hypervisor this service can address; other daemons' business
                }
                try {
                    out.add(RecordCodec.decode(kv.key(), hid, kv.value()));
                } catch (StoredDataInvalidException e) {
                    // One record another writer corrupted must not take the whole list down for
                    // every placer; it is left out and named in the log (GET of it answers 500).
                    LOG.log(System.Logger.Level.WARNING, "listing without it: " + e.getMessage());
                }
            }
        }
        out.sort((a, b) -> a.id().compareTo(b.id()));
        return List.copyOf(out); // shared by the callers of one batch
    }

    @Override
    public Versioned<Hypervisor> get(HypervisorId id) {
        Current current = read(id);
        return new Versioned<>(current.record(), current.revision());
    }

    @Override
    public Versioned<Hypervisor> create(HypervisorPatch fields) {
        HypervisorId id = fields.id() != null ? fields.id() : HypervisorId.random();
        Hypervisor record = fields.applyTo(Hypervisor.blank(id));
        String key = LochnessLayout.metadata(id);
        TxnResult result = store.commit(
                new Txn(List.of(Txn.KeyAt.absent(key)), List.of(new Txn.Put(key, RecordCodec.encode(record)))));
        if (!result.committed()) {
            throw new HypervisorAlreadyExistsException("hypervisor " + id + " already exists");
        }
        return new Versioned<>(record, result.revision());
    }

    @Override
    public Versioned<Hypervisor> update(HypervisorId id, HypervisorPatch patch, Precondition precondition) {
        if (patch.id() != null && !patch.id().equals(id)) {
            throw new InvalidInputException(
                    "the body's id " + patch.id() + " is not the path's id " + id + "; ids cannot be changed");
        }
        return retrying("update hypervisor", n -> {
            Current current = readChecked(id, precondition);
            Hypervisor updated = patch.applyTo(current.record());
            Txn txn = new Txn(
                    List.of(current.unchanged()),
                    List.of(new Txn.Put(current.metadataKey().key(), RecordCodec.encode(updated))));
            return new Attempt<>(txn, result -> new Versioned<>(updated, result.revision()));
        });
    }

    @Override
    public Hypervisor delete(HypervisorId id, Precondition precondition) {
        return retrying("delete hypervisor", n -> {
            Current current = readChecked(id, precondition);
            String guests = LochnessLayout.guestsPrefix(id);
            int placed = current.snapshot().under(guests).size();
            if (placed > 0) {
                throw new HypervisorHasGuestsException(
                        "hypervisor " + id + " still has " + placed + " guest(s); move or delete them first");
            }
            Txn txn = new Txn(
                    List.of(current.unchanged(), new Txn.PrefixEmpty(guests)),
                    List.of(new Txn.DeletePrefix(LochnessLayout.prefix(id))));
            Hypervisor deleted = current.record();
            return new Attempt<>(txn, result -> deleted);
        });
    }

    @Override
    public SortedMap<String, String> config(HypervisorId id) {
        return read(id).children(LochnessLayout.configPrefix(id));
    }

    @Override
    public SortedMap<String, String> updateConfig(
            HypervisorId id, Map<ConfigKey, String> changes, Precondition precondition) {
        SortedMap<String, String> byName = new TreeMap<>();
        changes.forEach((key, value) -> byName.put(key.value(), value));
        return patchChildren("update config", id, LochnessLayout.configPrefix(id), byName, precondition);
    }

    @Override
    public SortedMap<String, String> subnets(HypervisorId id) {
        return read(id).children(LochnessLayout.subnetsPrefix(id));
    }

    @Override
    public SortedMap<String, String> addSubnets(
            HypervisorId id, Map<SubnetId, BridgeName> subnets, Precondition precondition) {
        SortedMap<String, String> byName = new TreeMap<>();
        subnets.forEach((subnet, bridge) -> byName.put(subnet.value(), bridge.value()));
        return patchChildren("update subnets", id, LochnessLayout.subnetsPrefix(id), byName, precondition);
    }

    /**
     * Sets the keys under {@code prefix} that {@code changes} names (an empty value deletes one)
     * in one transaction; returns the whole resulting map.
     *
     * <p>Where the store reads back inside a transaction and no If-Match revision is given, that
     * is one round trip: the transaction holds only while the record exists and reads the map
     * back after its writes, so the answer is exactly the state the change produced (another
     * writer's key included), not a guess from a read taken before. A refusal means the record
     * was missing at commit time; the next attempt first reads, to tell a deleted record (404)
     * from one created again meanwhile. Otherwise it is a read and a transaction guarded by the
     * record's revision.
     */
    private SortedMap<String, String> patchChildren(String operation, HypervisorId id, String prefix,
            SortedMap<String, String> changes, Precondition precondition) {
        List<Txn.Mutation> writes = new ArrayList<>();
        changes.forEach((name, value) -> writes.add(
                value.isEmpty() ? new Txn.Delete(prefix + name) : new Txn.Put(prefix + name, value)));
        if (store.readsInTxn() && precondition.revisions() == null) { // no If-Match, or If-Match: *
            Txn txn = new Txn(List.of(new Txn.Present(LochnessLayout.metadata(id))), writes, prefix);
            if (txn.size() <= store.maxTxnOperations()) {
                return retrying(operation, n -> {
                    if (n > 0) {
                        read(id); // HypervisorNotFoundException when the record is gone
                    }
                    return new Attempt<>(txn, result -> children(prefix, result.read()));
                });
            }
        }
        return retrying(operation, n -> {
            Current current = readChecked(id, precondition);
            SortedMap<String, String> map = current.children(prefix);
            changes.forEach((name, value) -> {
                if (value.isEmpty()) {
                    map.remove(name);
                } else {
                    map.put(name, value);
                }
            });
            return new Attempt<>(new Txn(List.of(current.unchanged()), writes), result -> map);
        });
    }

    /** The keys under {@code prefix}, named by what follows it. */
    private static SortedMap<String, String> children(String prefix, List<KeyValue> entries) {
        SortedMap<String, String> out = new TreeMap<>();
        for (KeyValue kv : entries) {
            out.put(kv.key().substring(prefix.length()), kv.value());
        }
        return out;
    }

    @Override
    public SortedMap<String, String> removeSubnet(HypervisorId id, SubnetId subnet, Precondition precondition) {
        return retrying("remove subnet", n -> {
            Current current = readChecked(id, precondition);
            String key = LochnessLayout.subnet(id, subnet);
            KeyValue kv = current.snapshot().get(key)
                    .orElseThrow(() -> new SubnetNotFoundException(
                            "subnet " + subnet + " is not assigned to hypervisor " + id));
            SortedMap<String, String> map = current.children(LochnessLayout.subnetsPrefix(id));
            map.remove(subnet.value());
            Txn txn = new Txn(
                    List.of(current.unchanged(), new Txn.KeyAt(key, kv.revision())),
                    List.of(new Txn.Delete(key)));
            return new Attempt<>(txn, result -> map);
        });
    }

    @Override
    public List<String> guests(HypervisorId id) {
        return List.copyOf(read(id).children(LochnessLayout.guestsPrefix(id)).keySet());
    }
}
