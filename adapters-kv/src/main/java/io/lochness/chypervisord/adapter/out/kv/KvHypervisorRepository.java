package io.lochness.chypervisord.adapter.out.kv;

import io.lochness.chypervisord.adapter.out.kv.spi.KeyValue;
import io.lochness.chypervisord.adapter.out.kv.spi.KeyValueStore;
import io.lochness.chypervisord.adapter.out.kv.spi.Page;
import io.lochness.chypervisord.adapter.out.kv.spi.Snapshot;
import io.lochness.chypervisord.adapter.out.kv.spi.Txn;
import io.lochness.chypervisord.adapter.out.kv.spi.TxnResult;
import io.lochness.chypervisord.domain.model.ChangeSubscription;
import io.lochness.chypervisord.domain.model.FeedUnavailableException;
import io.lochness.chypervisord.domain.model.Hypervisor;
import io.lochness.chypervisord.domain.model.HypervisorId;
import io.lochness.chypervisord.domain.model.Limits;
import io.lochness.chypervisord.domain.model.HypervisorPage;
import io.lochness.chypervisord.domain.model.HypervisorQuery;
import io.lochness.chypervisord.domain.model.StoredDataInvalidException;
import io.lochness.chypervisord.domain.model.StoredHypervisor;
import io.lochness.chypervisord.domain.port.out.HypervisorRepository;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The persistence adapter: the domain's {@link HypervisorRepository} in the lochness key layout
 * over the key-value SPI, with reads served from the {@link RegistryView} when there is one.
 *
 * <p>Writes are one guarded transaction each, exactly as before the view: the view only ever
 * serves reads, and a write is seen by the next read through the consistency check. Reads fall
 * back to the store (one prefix read of the hypervisor, or the whole registry in pages at one
 * revision) when there is no view or it cannot catch up in time.
 */
public final class KvHypervisorRepository implements HypervisorRepository {
    private static final System.Logger LOG = System.getLogger(KvHypervisorRepository.class.getName());
    /** Keys per page of a direct list (see the view's page size for why not fewer). */
    static final int DIRECT_PAGE = 50_000;
    /** What one hypervisor may hold and still be served: four times what the service lets one hold. */
    static final long SERVABLE_BYTES = 4L * Limits.HYPERVISOR_BYTES;

    private final KeyValueStore store;
    private final RegistryView view; // null: every read goes to the store
    /** The newest revision this service committed: what {@link #findAfterOwnWrites} waits for. */
    private final java.util.concurrent.atomic.AtomicLong lastCommitted = new java.util.concurrent.atomic.AtomicLong();
    /** How long {@link #findAfterOwnWrites} waits for the view before reading the store. */
    private static final java.time.Duration OWN_WRITES_WAIT = java.time.Duration.ofMillis(500);
    private final ChangeFeed feed; // null: no change feed (no view)

    public KvHypervisorRepository(KeyValueStore store, RegistryView view) {
        this(store, view, null);
    }

    public KvHypervisorRepository(KeyValueStore store, RegistryView view, ChangeFeed feed) {
        this.store = store;
        this.view = view;
        this.feed = feed;
    }

    @Override
    public String storeName() {
        return store.name();
    }

    // ---- reads ----

    @Override
    public List<Hypervisor> list() {
        if (view != null && view.awaitFresh()) {
            List<Hypervisor> out = new ArrayList<>();
            for (HypervisorEntry e : view.all()) {
                if (e.record() != null) {
                    out.add(e.record());
                }
            }
            return out;
        }
        return listDirect();
    }

    /**
     * From the view when it is fresh: its entries after the query's start, read lazily in id
     * order until the page is full (so no more than the page is gathered); else straight from the
     * store in pages at one revision, also stopping once the page is full.
     */
    @Override
    public HypervisorPage list(HypervisorQuery query) {
        int want = query.paged() ? query.limit() : Integer.MAX_VALUE;
        List<Hypervisor> out = new ArrayList<>();
        boolean more = false;
        if (view != null && view.awaitFresh()) {
            for (HypervisorEntry e : view.after(query.after())) {
                if (e.record() == null || !query.matches(e.record(), e.subnets().keySet(), e.alive())) {
                    continue;
                }
                if (out.size() == want) {
                    more = true;
                    break;
                }
                out.add(e.record());
            }
            return new HypervisorPage(out, more);
        }
        return listDirect(query);
    }

    /** {@link #list(HypervisorQuery)} from the store: pages at one revision, grouped by hypervisor. */
    HypervisorPage listDirect(HypervisorQuery query) {
        int want = query.paged() ? query.limit() : Integer.MAX_VALUE;
        List<Hypervisor> out = new ArrayList<>();
        // '0' sorts right after '/': every key of the hypervisor the page starts after is skipped.
        String after = query.after() == null ? null : LochnessLayout.HYPERVISORS + query.after().value() + "0";
        long at = 0;
        KeysByHypervisor groups = new KeysByHypervisor();
        Page page;
        do {
            page = store.readPage(LochnessLayout.HYPERVISORS, after, at, DIRECT_PAGE);
            at = page.revision();
            for (KeyValue kv : page.entries()) {
                if (take(query, groups.add(kv), out, want)) {
                    return new HypervisorPage(out, true);
                }
            }
            after = page.lastKey();
        } while (page.more());
        if (take(query, groups.finish(), out, want)) {
            return new HypervisorPage(out, true);
        }
        return new HypervisorPage(out, false);
    }

    /** Adds the hypervisor of {@code keys} to {@code out} if it matches; true when it matched and the page was full. */
    private static boolean take(HypervisorQuery query, KeysByHypervisor.Group group, List<Hypervisor> out, int want) {
        if (group == null) {
            return false;
        }
        HypervisorId id = RegistryView.canonicalId(group.rawId());
        if (id == null) {
            return false;
        }
        HypervisorEntry e = HypervisorEntry.of(id, group.keys());
        if (e.unreadable() != null) {
            LOG.log(System.Logger.Level.WARNING, "listing without it: " + e.unreadable());
        }
        if (e.record() == null || !query.isAfterStart(id)
                || !query.matches(e.record(), e.subnets().keySet(), e.alive())) {
            return false;
        }
        if (out.size() == want) {
            return true;
        }
        out.add(e.record());
        return false;
    }

    @Override
    public ChangeSubscription watch(HypervisorQuery query, OptionalLong since) {
        if (feed == null) {
            throw new FeedUnavailableException("the change feed needs the registry view, which this service runs "
                    + "without (--view=off)");
        }
        return feed.subscribe(query, since);
    }

    /** The whole registry's records in pages at one revision: one snapshot, however large. */
    List<Hypervisor> listDirect() {
        List<Hypervisor> out = new ArrayList<>();
        String after = null;
        long at = 0;
        Page page;
        do {
            page = store.readPage(LochnessLayout.HYPERVISORS, after, at, DIRECT_PAGE);
            at = page.revision();
            for (KeyValue kv : page.entries()) {
                LochnessLayout.Key key = LochnessLayout.parse(kv.key());
                if (key == null || key.part() != LochnessLayout.Part.METADATA) {
                    continue;
                }
                HypervisorId id = RegistryView.canonicalId(key.id());
                if (id == null) {
                    continue;
                }
                try {
                    out.add(RecordCodec.decode(kv.key(), id, kv.value()));
                } catch (StoredDataInvalidException e) {
                    // One record another writer corrupted must not take the whole list down for
                    // every placer; it is left out and named in the log (GET of it answers 500).
                    LOG.log(System.Logger.Level.WARNING, "listing without it: " + e.getMessage());
                }
            }
            after = page.lastKey();
        } while (page.more());
        return out;
    }

    @Override
    public Optional<StoredHypervisor> find(HypervisorId id) {
        HypervisorEntry e = view != null && view.awaitFresh()
                ? view.get(id)
                : HypervisorEntry.of(id, store.read(LochnessLayout.prefix(id)).entries());
        if (e == null || !e.exists()) {
            return Optional.empty();
        }
        requireServable(e);
        return Optional.of(e.toStored());
    }

    /**
     * A hypervisor that another writer made far larger than the service's limits (straight in the
     * store) answers an error for itself alone: every other hypervisor and the list are served.
     */
    private static void requireServable(HypervisorEntry h) {
        long bytes = h.childBytes();
        if (bytes > SERVABLE_BYTES) {
            throw new StoredDataInvalidException("hypervisor " + h.id() + " holds " + bytes
                    + " bytes of config and subnets in the store, over the " + SERVABLE_BYTES
                    + " this service serves (written around its limits); shrink it in the store");
        }
    }

    @Override
    public Optional<StoredHypervisor> findAfterOwnWrites(HypervisorId id) {
        if (view != null && view.awaitApplied(lastCommitted.get(), OWN_WRITES_WAIT)) {
            HypervisorEntry e = view.get(id);
            return e == null || !e.exists() ? Optional.empty() : Optional.of(e.toStored());
        }
        return findLatest(id);
    }

    @Override
    public Optional<StoredHypervisor> findLatest(HypervisorId id) {
        Snapshot snapshot = store.read(LochnessLayout.prefix(id));
        HypervisorEntry e = HypervisorEntry.of(id, snapshot.entries());
        return e.exists() ? Optional.of(e.toStored()) : Optional.empty();
    }

    // ---- writes ----

    @Override
    public OptionalLong create(Hypervisor record) {
        String key = LochnessLayout.metadata(record.id());
        return revisionOf(store.commit(new Txn(
                List.of(Txn.KeyAt.absent(key)), List.of(new Txn.Put(key, RecordCodec.encode(record))))));
    }

    @Override
    public OptionalLong replace(Hypervisor record, long revision) {
        String key = LochnessLayout.metadata(record.id());
        return revisionOf(store.commit(new Txn(
                List.of(new Txn.KeyAt(key, revision)), List.of(new Txn.Put(key, RecordCodec.encode(record))))));
    }

    @Override
    public boolean delete(HypervisorId id, long revision) {
        return revisionOf(store.commit(new Txn(
                List.of(new Txn.KeyAt(LochnessLayout.metadata(id), revision),
                        new Txn.PrefixEmpty(LochnessLayout.guestsPrefix(id))),
                List.of(new Txn.DeletePrefix(LochnessLayout.prefix(id)))))).isPresent();
    }

    @Override
    public OptionalLong patchChildren(HypervisorId id, Children kind, SortedMap<String, String> changes,
            long recordRevision, Map<String, Long> childRevisions) {
        String prefix = prefix(id, kind);
        List<Txn.Condition> guards = new ArrayList<>();
        guards.add(new Txn.KeyAt(LochnessLayout.metadata(id), recordRevision));
        childRevisions.forEach((name, revision) -> guards.add(new Txn.KeyAt(prefix + name, revision)));
        return revisionOf(store.commit(new Txn(guards, writes(prefix, changes))));
    }

    @Override
    public Optional<SortedMap<String, String>> patchChildrenReadBack(
            HypervisorId id, Children kind, SortedMap<String, String> changes) {
        String prefix = prefix(id, kind);
        TxnResult result = store.commit(new Txn(
                List.of(new Txn.Present(LochnessLayout.metadata(id))), writes(prefix, changes), prefix));
        if (!result.committed()) {
            return Optional.empty();
        }
        lastCommitted.accumulateAndGet(result.revision(), Math::max);
        SortedMap<String, String> out = new TreeMap<>();
        for (KeyValue kv : result.read()) {
            out.put(kv.key().substring(prefix.length()), kv.value());
        }
        return Optional.of(out);
    }

    private static List<Txn.Mutation> writes(String prefix, SortedMap<String, String> changes) {
        List<Txn.Mutation> writes = new ArrayList<>();
        changes.forEach((name, value) -> writes.add(
                value.isEmpty() ? new Txn.Delete(prefix + name) : new Txn.Put(prefix + name, value)));
        return writes;
    }

    private static String prefix(HypervisorId id, Children kind) {
        return kind == Children.CONFIG ? LochnessLayout.configPrefix(id) : LochnessLayout.subnetsPrefix(id);
    }

    private OptionalLong revisionOf(TxnResult result) {
        if (!result.committed()) {
            return OptionalLong.empty();
        }
        lastCommitted.accumulateAndGet(result.revision(), Math::max);
        return OptionalLong.of(result.revision());
    }

    /** A record guard, the changes and the read-back must fit in one transaction. */
    @Override
    public boolean patchesInOneRoundTrip(int changes) {
        return store.readsInTxn() && (long) changes + 2 <= store.maxTxnOperations();
    }

    /** Conditions and mutations share the store's transaction bound: a record guard and the changes. */
    @Override
    public int maxChildrenPerChange() {
        int max = store.maxTxnOperations();
        return max == Integer.MAX_VALUE ? max : Math.max(1, max - 1);
    }
}
