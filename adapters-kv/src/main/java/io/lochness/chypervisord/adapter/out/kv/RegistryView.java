package io.lochness.chypervisord.adapter.out.kv;

import io.lochness.chypervisord.adapter.out.kv.spi.CompactedException;
import io.lochness.chypervisord.adapter.out.kv.spi.KeyChange;
import io.lochness.chypervisord.adapter.out.kv.spi.KeyValue;
import io.lochness.chypervisord.adapter.out.kv.spi.KeyValueStore;
import io.lochness.chypervisord.adapter.out.kv.spi.Page;
import io.lochness.chypervisord.adapter.out.kv.spi.Watch;
import io.lochness.chypervisord.adapter.out.kv.spi.WatchListener;
import io.lochness.chypervisord.domain.model.HypervisorId;
import io.lochness.chypervisord.domain.model.InvalidInputException;
import io.lochness.chypervisord.domain.model.StoreUnavailableException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The registry in memory, kept current by the store's watch: Kubernetes' watch cache with its
 * "consistent reads from cache" (KEP-2340), which etcd 3.6's {@code cache} package also follows.
 *
 * <p><b>Filling.</b> It loads {@code lochness/hypervisors/} in pages at one store revision (so a
 * registry of any size is one consistent snapshot and no store message exceeds a page), then
 * follows every change after that revision with a watch. A broken watch is resumed from the
 * revision after the last one applied; a watch or load whose revision was compacted away loads
 * again, and the new state replaces the old only once it is whole. It never goes backwards: every
 * state it serves is at least as new as every state it served before.
 *
 * <p><b>Reading.</b> {@link #awaitFresh()} makes a read consistent: it learns the store's current
 * revision through one cheap linearizable call that started after the read arrived (concurrent
 * reads share one, {@link FreshReadCoalescer}), then waits until the view has applied that
 * revision, asking the watch for a progress report when no change brings it there. So a write
 * acknowledged by any member, or written straight into the store by another lochness daemon,
 * before the read began is always seen. When the view cannot catch up within the bound (loading,
 * watch broken, store slow), it says so and the caller reads the store directly: never stale.
 *
 * <p><b>Cost.</b> One immutable {@link HypervisorEntry} per hypervisor (its record decoded once,
 * its children as sorted maps), replaced whole on each change: about 2 KB per hypervisor of the
 * benchmark's shape (a record, 4 config keys, 2 subnets, a guest); see the README.
 */
public final class RegistryView implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(RegistryView.class.getName());
    /** How often a waiting read asks the watch for progress again. */
    private static final long PROGRESS_REPEAT_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    /** Where the view stands. */
    public enum State {
        /** Loading (at start, or again after a compaction): reads go to the store. */
        LOADING,
        /** Following the store. */
        READY,
        /** Its watch broke and is being resumed: reads go to the store. */
        RESUMING,
        /** Closed. */
        CLOSED
    }

    private final KeyValueStore store;
    private final int pageSize;
    private final Duration catchUp;
    private final FreshReadCoalescer<Long> revisions;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition advanced = lock.newCondition();
    private volatile ConcurrentSkipListMap<String, HypervisorEntry> entries = new ConcurrentSkipListMap<>();
    private volatile long applied;
    private volatile State state = State.LOADING;
    private volatile long loadMillis = -1;
    private volatile long lastProgressRequest;
    /** Bumped on every (re)load and re-watch, so callbacks of an abandoned watch are ignored. */
    private long generation;
    private Watch watch;
    private final List<ChangeListener> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    /**
     * Told of every hypervisor whose entry changed, after the view applied it (the change feed),
     * on the one thread that applies changes, in store order; a store revision may change several
     * keys of a hypervisor, so one revision may bring several calls for it.
     */
    public interface ChangeListener {
        void changed(long revision, HypervisorEntry before, HypervisorEntry after);

        /**
         * Every change up to {@code revision} has been told (after each batch the watch delivered,
         * and after each load): no further call will carry a revision up to it.
         */
        default void caughtUp(long revision) {}
    }

    /**
     * Held while changes are applied and told to the listeners, so {@link #atomically} sees the
     * view between two batches: its entries exactly at {@link #appliedRevision()}. Taken before the
     * view's monitor, never inside it.
     */
    private final ReentrantLock applying = new ReentrantLock();

    /**
     * @param pageSize keys per page of the initial load
     * @param catchUp how long a read waits for the view to reach the store's revision before it
     *     reads the store directly
     */
    public RegistryView(KeyValueStore store, int pageSize, Duration catchUp) {
        this.store = store;
        this.pageSize = pageSize;
        this.catchUp = catchUp;
        // Two calls in flight at most, started as soon as a slot is free. Measured on etcd (2
        // cores, 32 connections): 0.12 revision calls per GET. Spacing the starts at least 1 ms
        // apart (a least interval the coalescer had then) cut that to 0.05 but added half a millisecond
        // to every read and no throughput (13,100 and 16,800 GETs/s against 18,800 and 17,300
        // at N = 1,000 and 10,000): the GETs are bound by their latency, not by the calls' CPU.
        this.revisions = new FreshReadCoalescer<>(store::currentRevision, 2);
    }

    /** Starts loading in the background and returns at once. */
    public synchronized void start() {
        Thread.ofVirtual().name("registry-view-load").start(() -> load(0));
    }

    public State state() {
        return state;
    }

    /** The revision the view has applied everything up to. */
    public long appliedRevision() {
        return applied;
    }

    /** How long the last complete load took, in milliseconds; -1 before the first. */
    public long loadMillis() {
        return loadMillis;
    }

    /** How many hypervisors (with a record) the view holds. */
    public int size() {
        int n = 0;
        for (HypervisorEntry e : entries.values()) {
            if (e.exists()) {
                n++;
            }
        }
        return n;
    }

    public void addListener(ChangeListener listener) {
        listeners.add(listener);
    }

    /**
     * Waits until the view reflects every write acknowledged before this call.
     *
     * @return true when it does (read it now); false when it could not catch up within the bound
     *     or is not following the store (read the store directly)
     * @throws StoreUnavailableException when the store cannot tell its current revision
     */
    public boolean awaitFresh() {
        if (state != State.READY) {
            return false;
        }
        long target = revisions.get();
        if (applied >= target) {
            return true;
        }
        requestProgressSince(System.nanoTime());
        long deadline = System.nanoTime() + catchUp.toNanos();
        long nextAsk = System.nanoTime() + PROGRESS_REPEAT_NANOS;
        lock.lock();
        try {
            while (applied < target && state == State.READY) {
                long now = System.nanoTime();
                if (now >= deadline) {
                    LOG.log(System.Logger.Level.DEBUG, "view at revision " + applied + " did not reach " + target
                            + " within " + catchUp.toMillis() + " ms; reading the store directly");
                    return false;
                }
                if (now >= nextAsk) {
                    // The answer to the first request may have been lost with a watch that broke
                    // and was resumed meanwhile: ask the current one again.
                    lock.unlock();
                    try {
                        requestProgressSince(now);
                    } finally {
                        lock.lock();
                    }
                    nextAsk = now + PROGRESS_REPEAT_NANOS;
                }
                advanced.awaitNanos(Math.min(deadline, nextAsk) - now);
            }
            return applied >= target && state == State.READY;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Asks the watch for progress unless someone asked after {@code since} (when this reader's
     * target revision was known): concurrent readers share one request, which matters on Consul,
     * where each request cuts the waiting blocking query short.
     */
    /**
     * Waits, without any store call, until the view has applied {@code revision} (a revision the
     * caller knows was committed under the watched prefix, so that its change will arrive).
     *
     * @return false when the view is not following the store or did not get there within {@code bound}
     */
    public boolean awaitApplied(long revision, Duration bound) {
        if (state != State.READY) {
            return false;
        }
        if (applied >= revision) {
            return true;
        }
        long deadline = System.nanoTime() + bound.toNanos();
        lock.lock();
        try {
            while (applied < revision && state == State.READY) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                advanced.awaitNanos(left);
            }
            return applied >= revision && state == State.READY;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            lock.unlock();
        }
    }

    private void requestProgressSince(long since) {
        long last = lastProgressRequest;
        if (last - since >= 0 && last != 0) {
            return;
        }
        lastProgressRequest = System.nanoTime();
        requestProgress();
    }

    private void requestProgress() {
        Watch w;
        synchronized (this) {
            w = watch;
        }
        if (w != null) {
            try {
                w.requestProgress();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.DEBUG, "progress request failed: " + e.getMessage());
            }
        }
    }

    /** The entry of one hypervisor, or null. Call after {@link #awaitFresh()} said true. */
    public HypervisorEntry get(HypervisorId id) {
        return entries.get(id.value());
    }

    /** Every entry, sorted by id. Call after {@link #awaitFresh()} said true. */
    public Collection<HypervisorEntry> all() {
        return entries.values();
    }

    /**
     * The entries whose id sorts after {@code after} (all when null), sorted by id, read lazily:
     * iterating a page of them touches only that page.
     */
    public Collection<HypervisorEntry> after(HypervisorId after) {
        ConcurrentSkipListMap<String, HypervisorEntry> map = entries;
        return after == null ? map.values() : map.tailMap(after.value(), false).values();
    }

    /**
     * Runs {@code action} while no change is being applied or told to listeners: within it, {@link
     * #all()} is exactly the state at {@link #appliedRevision()}, and a listener added or told of a
     * subscription there misses no change after it nor sees one twice.
     */
    public <T> T atomically(java.util.function.Supplier<T> action) {
        applying.lock();
        try {
            return action.get();
        } finally {
            applying.unlock();
        }
    }

    // ---- filling ----

    /** Loads the whole prefix at one revision, in pages, then watches from the next revision. */
    private void load(int attempt) {
        long began = System.nanoTime();
        ConcurrentSkipListMap<String, HypervisorEntry> fresh = new ConcurrentSkipListMap<>();
        long at = 0;
        try {
            String after = null;
            KeysByHypervisor groups = new KeysByHypervisor();
            Page page;
            do {
                if (state == State.CLOSED) {
                    return;
                }
                page = store.readPage(LochnessLayout.HYPERVISORS, after, at, pageSize);
                at = page.revision();
                for (KeyValue kv : page.entries()) {
                    add(fresh, groups.add(kv));
                }
                after = page.lastKey();
            } while (page.more());
            add(fresh, groups.finish());
        } catch (CompactedException e) {
            LOG.log(System.Logger.Level.INFO, "the store compacted the revision being loaded; loading again");
            retryLoad(attempt);
            return;
        } catch (StoreUnavailableException e) {
            LOG.log(System.Logger.Level.WARNING, "loading the registry view failed (reads go to the store meanwhile): "
                    + e.getMessage());
            retryLoad(attempt);
            return;
        }
        long revision = at;
        long mine;
        applying.lock();
        try {
        synchronized (this) {
            if (state == State.CLOSED) {
                return;
            }
            if (revision < applied) {
                // Never go backwards (a lagging member answered the load): load again.
                retryLoad(attempt);
                return;
            }
            // Install the new state while reads still go to the store (LOADING), then start the
            // watch; only once the store has created it are reads served from memory.
            ConcurrentSkipListMap<String, HypervisorEntry> old = entries;
            entries = fresh;
            loadMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began);
            LOG.log(System.Logger.Level.INFO, "registry view loaded: " + size() + " hypervisors at revision "
                    + revision + " in " + loadMillis + " ms");
            advance(revision);
            if (!old.isEmpty() && !listeners.isEmpty()) {
                announceReload(old, fresh, revision);
            }
            caughtUp(revision);
            mine = ++generation;
            if (watch != null) {
                watch.close();
                watch = null;
            }
        }
        } finally {
            applying.unlock();
        }
        watchFrom(revision + 1, mine, 0);
    }

    /**
     * Starts the watch of generation {@code mine} from {@code from}, outside the monitor (a store
     * may block while it connects); keeps it only if no newer generation began meanwhile.
     */
    private void watchFrom(long from, long mine, int failures) {
        Follower follower = new Follower(mine, failures);
        Watch started;
        try {
            started = store.watch(LochnessLayout.HYPERVISORS, from, follower);
        } catch (StoreUnavailableException e) {
            follower.onFailure(e); // refused at once: retried like any broken watch
            return;
        }
        boolean keep;
        synchronized (this) {
            keep = mine == generation && state != State.CLOSED;
            if (keep) {
                watch = started;
                state = State.READY;
            }
        }
        if (!keep) {
            started.close();
        }
    }

    private void retryLoad(int attempt) {
        if (state == State.CLOSED) {
            return;
        }
        long pause = Math.min(2_000, 50L << Math.min(attempt, 6));
        Thread.ofVirtual().name("registry-view-load").start(() -> {
            sleep(pause);
            load(attempt + 1);
        });
    }

    /** After a reload, tells the listeners of every hypervisor that differs between old and new. */
    private void announceReload(ConcurrentSkipListMap<String, HypervisorEntry> old,
            ConcurrentSkipListMap<String, HypervisorEntry> fresh, long revision) {
        for (var e : old.entrySet()) {
            HypervisorEntry now = fresh.get(e.getKey());
            if (!e.getValue().equals(now)) {
                notifyListeners(revision, e.getValue(), now);
            }
        }
        for (var e : fresh.entrySet()) {
            if (!old.containsKey(e.getKey())) {
                notifyListeners(revision, null, e.getValue());
            }
        }
    }

    private static void add(ConcurrentSkipListMap<String, HypervisorEntry> into, KeysByHypervisor.Group group) {
        if (group == null) {
            return;
        }
        List<KeyValue> keys = group.keys();
        HypervisorId id = canonicalId(group.rawId());
        if (id == null) {
            return;
        }
        HypervisorEntry entry = HypervisorEntry.of(id, keys);
        if (entry.unreadable() != null) {
            LOG.log(System.Logger.Level.WARNING, "serving lists without it: " + entry.unreadable());
        }
        if (!entry.isEmpty()) {
            into.put(id.value(), entry);
        }
    }

    /**
     * The id a key's segment names, or null when it names none this service can address (not a
     * UUID, or not in its canonical lower-case form: another daemon's business).
     */
    static HypervisorId canonicalId(String segment) {
        try {
            HypervisorId id = new HypervisorId(segment);
            return id.value().equals(segment) ? id : null;
        } catch (InvalidInputException e) {
            return null;
        }
    }

    private void advance(long revision) {
        lock.lock();
        try {
            if (revision > applied) {
                applied = revision;
            }
            advanced.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void caughtUp(long revision) {
        for (ChangeListener l : listeners) {
            try {
                l.caughtUp(revision);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "a view listener failed", e);
            }
        }
    }

    private void notifyListeners(long revision, HypervisorEntry before, HypervisorEntry after) {
        for (ChangeListener l : listeners) {
            try {
                l.changed(revision, before, after);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "a view listener failed", e);
            }
        }
    }

    /** Applies what one watch says, while it is the current one. */
    private final class Follower implements WatchListener {
        private final long generation;
        private int failures;

        Follower(long generation, int failures) {
            this.generation = generation;
            this.failures = failures;
        }

        /** Whether this watch is the view's current one (it may still be starting). */
        private boolean current() {
            synchronized (RegistryView.this) {
                return generation == RegistryView.this.generation && state != State.CLOSED;
            }
        }

        @Override
        public void onChanges(List<KeyChange> changes) {
            applying.lock();
            try {
                apply(changes);
            } finally {
                applying.unlock();
            }
        }

        private void apply(List<KeyChange> changes) {
            if (!current()) {
                return;
            }
            failures = 0;
            ConcurrentSkipListMap<String, HypervisorEntry> map = entries;
            long last = applied;
            for (KeyChange c : changes) {
                last = Math.max(last, c.revision());
                LochnessLayout.Key key = LochnessLayout.parse(c.key());
                if (key == null) {
                    continue;
                }
                HypervisorId id = canonicalId(key.id());
                if (id == null) {
                    continue;
                }
                HypervisorEntry before = map.get(id.value());
                HypervisorEntry after = (before == null ? HypervisorEntry.empty(id) : before)
                        .with(key.part(), key.name(), c.key(), c.value(), c.revision());
                if (after.isEmpty()) {
                    map.remove(id.value());
                } else {
                    map.put(id.value(), after);
                }
                if (after.unreadable() != null && key.part() == LochnessLayout.Part.METADATA) {
                    LOG.log(System.Logger.Level.WARNING, "serving lists without it: " + after.unreadable());
                }
                if (!listeners.isEmpty()) {
                    notifyListeners(c.revision(), before, after.isEmpty() ? null : after);
                }
            }
            advance(last);
            if (!listeners.isEmpty()) {
                caughtUp(last);
            }
        }

        @Override
        public void onProgress(long revision) {
            if (current()) {
                advance(revision);
            }
        }

        @Override
        public void onCompacted(long compactRevision) {
            synchronized (RegistryView.this) {
                if (generation != RegistryView.this.generation || state == State.CLOSED) {
                    return;
                }
                LOG.log(System.Logger.Level.INFO, "the store compacted past the view's revision " + applied
                        + " (to " + compactRevision + "); loading again, reads go to the store meanwhile");
                state = State.LOADING;
                RegistryView.this.generation++;
                watch = null;
            }
            signalAll();
            Thread.ofVirtual().name("registry-view-load").start(() -> load(0));
        }

        @Override
        public void onFailure(StoreUnavailableException cause) {
            long mine;
            long resumeAt;
            synchronized (RegistryView.this) {
                if (generation != RegistryView.this.generation || state == State.CLOSED) {
                    return;
                }
                // From now on nothing this watch might still say is applied.
                mine = ++RegistryView.this.generation;
                if (state == State.READY) {
                    state = State.RESUMING;
                }
                resumeAt = applied + 1;
                watch = null;
            }
            int n = failures + 1;
            LOG.log(n == 1 ? System.Logger.Level.WARNING : System.Logger.Level.DEBUG,
                    "the registry view's watch broke (" + cause.getMessage() + "); resuming from revision " + resumeAt);
            long pause = Math.min(2_000, 25L << Math.min(n, 7));
            Thread.ofVirtual().name("registry-view-rewatch").start(() -> {
                sleep(pause);
                synchronized (RegistryView.this) {
                    if (mine != RegistryView.this.generation || state == State.CLOSED) {
                        return;
                    }
                }
                watchFrom(resumeAt, mine, n);
            });
        }
    }

    private void signalAll() {
        lock.lock();
        try {
            advanced.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        Watch w;
        synchronized (this) {
            state = State.CLOSED;
            generation++;
            w = watch;
            watch = null;
        }
        if (w != null) {
            w.close();
        }
        signalAll();
    }
}
