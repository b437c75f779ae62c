package io.lochness.chypervisord.adapter.out.kv.spi;

import java.util.List;

/**
 * The outcome of {@link KeyValueStore#commit(Txn)}: committed at a revision, or refused
 * because a condition did not hold (a conflict, not a failure: the caller re-reads and retries).
 * A committed transaction with a {@link Txn#readBack()} prefix carries the keys read under it,
 * sorted by key; otherwise {@code read} is empty.
 */
public record TxnResult(boolean committed, long revision, List<KeyValue> read) {
    private static final TxnResult CONFLICT = new TxnResult(false, 0, List.of());

    public TxnResult {
        read = List.copyOf(read);
    }

    public static TxnResult committed(long revision) {
        return new TxnResult(true, revision, List.of());
    }

    /** Committed, with what the transaction's read-back found. */
    public static TxnResult committed(long revision, List<KeyValue> read) {
        return new TxnResult(true, revision, read);
    }

    public static TxnResult conflict() {
        return CONFLICT;
    }
}
