package io.lochness.chypervisord.domain.store;

import io.lochness.chypervisord.domain.port.out.KeyValue;
import io.lochness.chypervisord.domain.port.out.KeyValueStore;
import io.lochness.chypervisord.domain.port.out.Snapshot;
import io.lochness.chypervisord.domain.port.out.Txn;
import io.lochness.chypervisord.domain.port.out.TxnResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * The in-memory store: the reference implementation of {@link KeyValueStore}, for trying the
 * service out and for tests. Nothing survives the process.
 *
 * <p>Revisions behave as etcd's do: one global counter, bumped once per committed transaction
 * that writes, and every key a transaction writes gets that revision. A single lock makes each
 * read and each transaction atomic, which is all the port promises.
 */
public final class InMemoryKeyValueStore implements KeyValueStore {

    private record Entry(String value, long revision) {}

    private final NavigableMap<String, Entry> data = new TreeMap<>();
    private long revision;

    @Override
    public String name() {
        return "memory";
    }

    @Override
    public synchronized Snapshot read(String prefix) {
        List<KeyValue> entries = new ArrayList<>();
        for (Map.Entry<String, Entry> e : tail(prefix).entrySet()) {
            entries.add(new KeyValue(e.getKey(), e.getValue().value(), e.getValue().revision()));
        }
        return new Snapshot(entries, Math.max(revision, 1));
    }

    @Override
    public synchronized Snapshot read(String prefix, String keySuffix) {
        List<KeyValue> entries = new ArrayList<>();
        for (Map.Entry<String, Entry> e : tail(prefix).entrySet()) {
            if (e.getKey().endsWith(keySuffix)) {
                entries.add(new KeyValue(e.getKey(), e.getValue().value(), e.getValue().revision()));
            }
        }
        return new Snapshot(entries, Math.max(revision, 1));
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
            for (Txn.Mutation mutation : txn.mutations()) {
                switch (mutation) {
                    case Txn.Put put -> data.put(put.key(), new Entry(put.value(), next));
                    case Txn.Delete delete -> data.remove(delete.key());
                    case Txn.DeletePrefix deletePrefix -> tail(deletePrefix.prefix()).clear();
                }
            }
            revision = next;
        }
        long at = Math.max(revision, 1);
        return txn.readBack() == null ? TxnResult.committed(at) : TxnResult.committed(at, read(txn.readBack()).entries());
    }

    @Override
    public boolean readsInTxn() {
        return true;
    }

    private boolean holds(Txn.Condition condition) {
        return switch (condition) {
            case Txn.KeyAt keyAt -> {
                Entry entry = data.get(keyAt.key());
                yield entry == null ? keyAt.revision() == 0 : entry.revision() == keyAt.revision();
            }
            case Txn.Present present -> data.containsKey(present.key());
            case Txn.PrefixEmpty empty -> tail(empty.prefix()).isEmpty();
        };
    }

    /** The live view of every key starting with {@code prefix}. */
    private NavigableMap<String, Entry> tail(String prefix) {
        NavigableMap<String, Entry> from = data.tailMap(prefix, true);
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
        // Nothing to release.
    }
}
