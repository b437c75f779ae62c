package io.lochness.chypervisord.domain.port.out;

/**
 * The outcome of {@link KeyValueStore#commit(Txn)}: committed at a revision, or refused
 * because a condition did not hold (a conflict, not a failure: the caller re-reads and retries).
 */
public record TxnResult(boolean committed, long revision) {
    private static final TxnResult CONFLICT = new TxnResult(false, 0);

    public static TxnResult committed(long revision) {
        return new TxnResult(true, revision);
    }

    public static TxnResult conflict() {
        return CONFLICT;
    }
}
