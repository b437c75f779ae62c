package io.lochness.chypervisord.adapter.out.kv.memory;

import io.lochness.chypervisord.adapter.out.kv.spi.CompactedException;
import io.lochness.chypervisord.adapter.out.kv.spi.KeyChange;
import io.lochness.chypervisord.adapter.out.kv.spi.KeyValue;
import io.lochness.chypervisord.adapter.out.kv.spi.KeyValueStore;
import io.lochness.chypervisord.adapter.out.kv.spi.Page;
import io.lochness.chypervisord.adapter.out.kv.spi.Snapshot;
import io.lochness.chypervisord.adapter.out.kv.spi.Txn;
import io.lochness.chypervisord.adapter.out.kv.spi.TxnResult;
import io.lochness.chypervisord.adapter.out.kv.spi.Watch;
import io.lochness.chypervisord.adapter.out.kv.spi.WatchListener;
import io.lochness.chypervisord.domain.model.StoreUnavailableException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The in-memory store: the reference implementation of the {@link KeyValueStore} SPI, for
 * trying the service out and for tests. Nothing survives the process.
 *
 * <p>Revisions behave as etcd's do: one global counter, bumped once per committed transaction
 * that writes, and every key a transaction writes gets that revision. A single lock makes each
 * read and each transaction atomic. It keeps the last {@value #DEFAULT_HISTORY} changes (or what
 * {@link #compact(long)} leaves), so that paged reads at a past revision and watches from one
 * work as on etcd, and answer {@link CompactedException} / {@link WatchListener#onCompacted}
 * past that. Each watch is fed by its own virtual thread from an unbounded queue, in commit
 * order, never under the store's lock.
 */
public final class InMemoryKeyValueStore implements KeyValueStore {
    static final int DEFAULT_HISTORY = 100_000;

    private record Entry(String value, long revision) {}

    /** One change, with what it replaced so that it can be undone for a read in the past. */
    private record Change(String key, String value, long revision, Entry previous) {}

    private final NavigableMap<String, Entry> data = new TreeMap<>();
    private final Deque<Change> history = new ArrayDeque<>();
    private final Set<MemoryWatch> watches = ConcurrentHashMap.newKeySet();
    private final int historyLimit;
    /** As etcd: an empty store is at revision 1, and its first write gets revision 2. */
    private long revision = 1;
    /** The oldest revision reads and watches may still start at. */
    private long compactRevision = 1;

    public InMemoryKeyValueStore() {
        this(DEFAULT_HISTORY);
    }

    /** A store that keeps the last {@code historyLimit} changes for reads and watches in the past. */
    public InMemoryKeyValueStore(int historyLimit) {
        if (historyLimit < 1) {
            throw new IllegalArgumentException("historyLimit must be positive");
        }
        this.historyLimit = historyLimit;
    }

    @Override
    public String name() {
        return "memory";
    }

    @Override
    public synchronized Snapshot read(String prefix) {
        List<KeyValue> entries = new ArrayList<>();
        for (Map.Entry<String, Entry> e : tail(data, prefix).entrySet()) {
            entries.add(new KeyValue(e.getKey(), e.getValue().value(), e.getValue().revision()));
        }
        return new Snapshot(entries, revision);
    }

    @Override
    public synchronized Page readPage(String prefix, String afterKey, long atRevision, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be positive");
        }
        long at = atRevision == 0 ? revision : atRevision;
        if (at > revision) {
            throw new StoreUnavailableException("revision " + at + " is in the future (store at " + revision + ")");
        }
        if (at < compactRevision) {
            throw new CompactedException("revision " + at + " has been compacted (oldest kept: "
                    + compactRevision + ")", compactRevision);
        }
        NavigableMap<String, Entry> current = tail(data, prefix);
        // The keys changed after the revision asked for, as they were at it (null: absent then):
        // undone newest first, so each ends at the value before its oldest later change.
        TreeMap<String, Entry> undone = new TreeMap<>();
        if (at < revision) {
            var newestFirst = history.descendingIterator();
            while (newestFirst.hasNext()) {
                Change c = newestFirst.next();
                if (c.revision() <= at) {
                    break;
                }
                if (c.key().startsWith(prefix)) {
                    undone.put(c.key(), c.previous() == null ? GONE : c.previous());
                }
            }
        }
        // Merge the current keys with the undone ones, in key order, from after afterKey.
        var now = (afterKey == null ? current : current.tailMap(afterKey, false)).entrySet().iterator();
        var then = (afterKey == null ? undone : undone.tailMap(afterKey, false)).entrySet().iterator();
        Map.Entry<String, Entry> a = now.hasNext() ? now.next() : null;
        Map.Entry<String, Entry> b = then.hasNext() ? then.next() : null;
        List<KeyValue> entries = new ArrayList<>();
        while (a != null || b != null) {
            String key;
            Entry entry;
            int order = a == null ? 1 : b == null ? -1 : a.getKey().compareTo(b.getKey());
            if (order < 0) {
                key = a.getKey();
                entry = a.getValue();
                a = now.hasNext() ? now.next() : null;
            } else {
                key = b.getKey();
                entry = b.getValue();
                b = then.hasNext() ? then.next() : null;
                if (order == 0) {
                    a = now.hasNext() ? now.next() : null;
                }
            }
            if (entry == GONE) {
                continue;
            }
            if (entries.size() == limit) {
                return new Page(entries, at, true);
            }
            entries.add(new KeyValue(key, entry.value(), entry.revision()));
        }
        return new Page(entries, at, false);
    }

    /** Marks a key that did not exist at the revision read. */
    private static final Entry GONE = new Entry("", 0);

    @Override
    public synchronized long currentRevision() {
        return revision;
    }

    @Override
    public synchronized TxnResult commit(Txn txn) {
        for (Txn.Condition condition : txn.conditions()) {
            if (!holds(condition)) {
                return TxnResult.conflict();
            }
        }
        if (!txn.mutations().isEmpty()) {
            long next = revision + 1;
            List<Change> changes = new ArrayList<>();
            for (Txn.Mutation mutation : txn.mutations()) {
                switch (mutation) {
                    case Txn.Put put -> {
                        Entry previous = data.put(put.key(), new Entry(put.value(), next));
                        changes.add(new Change(put.key(), put.value(), next, previous));
                    }
                    case Txn.Delete delete -> {
                        Entry previous = data.remove(delete.key());
                        if (previous != null) {
                            changes.add(new Change(delete.key(), null, next, previous));
                        }
                    }
                    case Txn.DeletePrefix deletePrefix -> {
                        NavigableMap<String, Entry> doomed = tail(data, deletePrefix.prefix());
                        for (Map.Entry<String, Entry> e : doomed.entrySet()) {
                            changes.add(new Change(e.getKey(), null, next, e.getValue()));
                        }
                        doomed.clear();
                    }
                }
            }
            revision = next;
            record(changes);
        }
        long at = revision;
        return txn.readBack() == null ? TxnResult.committed(at) : TxnResult.committed(at, read(txn.readBack()).entries());
    }

    private void record(List<Change> changes) {
        for (Change c : changes) {
            history.addLast(c);
        }
        while (history.size() > historyLimit) {
            Change dropped = history.removeFirst();
            compactRevision = Math.max(compactRevision, dropped.revision() + 1);
        }
        // Never drop part of a revision: what remains must be whole revisions.
        while (!history.isEmpty() && history.peekFirst().revision() < compactRevision) {
            history.removeFirst();
        }
        for (MemoryWatch w : watches) {
            w.offer(changes);
        }
    }

    /**
     * Forgets the history before {@code revision}: reads at and watches from older revisions are
     * then answered as compacted, as etcd's compaction does.
     */
    public synchronized void compact(long revision) {
        if (revision > this.revision + 1) {
            throw new IllegalArgumentException("cannot compact past the current revision " + this.revision);
        }
        compactRevision = Math.max(compactRevision, revision);
        while (!history.isEmpty() && history.peekFirst().revision() < compactRevision) {
            history.removeFirst();
        }
    }

    /** Breaks every open watch, as a lost connection would: each listener hears {@code onFailure}. */
    public void breakWatches() {
        for (MemoryWatch w : watches) {
            w.fail(new StoreUnavailableException("memory store: watch broken on purpose"));
        }
    }

    @Override
    public synchronized Watch watch(String prefix, long fromRevision, WatchListener listener) {
        MemoryWatch w = new MemoryWatch(prefix, listener);
        if (fromRevision < compactRevision) {
            w.compacted(compactRevision);
            return w;
        }
        List<Change> backlog = new ArrayList<>();
        for (Change c : history) {
            if (c.revision() >= fromRevision) {
                backlog.add(c);
            }
        }
        w.offer(backlog);
        watches.add(w);
        return w;
    }

    @Override
    public int maxTxnOperations() {
        return Integer.MAX_VALUE;
    }

    @Override
    public boolean readsInTxn() {
        return true;
    }

    @Override
    public boolean prefixConditionAtomic() {
        return true;
    }

    private boolean holds(Txn.Condition condition) {
        return switch (condition) {
            case Txn.KeyAt keyAt -> {
                Entry entry = data.get(keyAt.key());
                yield entry == null ? keyAt.revision() == 0 : entry.revision() == keyAt.revision();
            }
            case Txn.Present present -> data.containsKey(present.key());
            case Txn.PrefixEmpty empty -> tail(data, empty.prefix()).isEmpty();
        };
    }

    /** The live view of every key starting with {@code prefix}. */
    private static NavigableMap<String, Entry> tail(NavigableMap<String, Entry> map, String prefix) {
        NavigableMap<String, Entry> from = map.tailMap(prefix, true);
        String end = prefixEnd(prefix);
        return end == null ? from : from.headMap(end, false);
    }

    /** The smallest string greater than every string starting with {@code prefix}, or null. */
    static String prefixEnd(String prefix) {
        StringBuilder end = new StringBuilder(prefix);
        for (int i = end.length() - 1; i >= 0; i--) {
            char c = end.charAt(i);
            if (c != Character.MAX_VALUE) {
                end.setCharAt(i, (char) (c + 1));
                end.setLength(i + 1);
                return end.toString();
            }
        }
        return null;
    }

    @Override
    public void ping() {
        // Always up.
    }

    @Override
    public void close() {
        for (MemoryWatch w : watches) {
            w.close();
        }
    }

    /** One watch: a queue of what to tell its listener, drained by its own virtual thread. */
    private final class MemoryWatch implements Watch {
        private static final Object CLOSE = new Object();
        private final String prefix;
        private final WatchListener listener;
        private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
        private volatile boolean closed;

        private record Progress(long revision) {}

        private record Compacted(long revision) {}

        private record Failed(StoreUnavailableException cause) {}

        MemoryWatch(String prefix, WatchListener listener) {
            this.prefix = prefix;
            this.listener = listener;
            Thread.ofVirtual().name("memory-watch").start(this::drain);
        }

        /** Queues the changes under the prefix, one call per revision. Called under the store lock. */
        void offer(List<Change> changes) {
            List<KeyChange> batch = new ArrayList<>();
            long batchRevision = 0;
            for (Change c : changes) {
                if (!c.key().startsWith(prefix)) {
                    continue;
                }
                if (c.revision() != batchRevision && !batch.isEmpty()) {
                    queue.add(List.copyOf(batch));
                    batch.clear();
                }
                batchRevision = c.revision();
                batch.add(new KeyChange(c.key(), c.value(), c.revision()));
            }
            if (!batch.isEmpty()) {
                queue.add(List.copyOf(batch));
            }
        }

        void compacted(long at) {
            queue.add(new Compacted(at));
        }

        void fail(StoreUnavailableException cause) {
            watches.remove(this);
            queue.add(new Failed(cause));
        }

        @Override
        public void requestProgress() {
            synchronized (InMemoryKeyValueStore.this) {
                queue.add(new Progress(revision));
            }
        }

        @Override
        public void close() {
            closed = true;
            watches.remove(this);
            queue.add(CLOSE);
        }

        @SuppressWarnings("unchecked")
        private void drain() {
            try {
                while (true) {
                    Object next = queue.take();
                    if (closed || next == CLOSE) {
                        return;
                    }
                    switch (next) {
                        case List<?> changes -> listener.onChanges((List<KeyChange>) changes);
                        case Progress p -> listener.onProgress(p.revision());
                        case Compacted c -> {
                            watches.remove(this);
                            listener.onCompacted(c.revision());
                            return;
                        }
                        case Failed f -> {
                            listener.onFailure(f.cause());
                            return;
                        }
                        default -> throw new IllegalStateException("unexpected " + next);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                System.getLogger(InMemoryKeyValueStore.class.getName())
                        .log(System.Logger.Level.ERROR, "a watch listener failed; the watch ends", e);
                watches.remove(this);
            }
        }
    }
}
