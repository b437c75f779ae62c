package io.lochness.chypervisord.domain.port.out;

import io.lochness.chypervisord.domain.model.StoreUnavailableException;

/**
 * Out-port: the key-value store the hypervisor registry lives in (etcd, Consul or memory).
 *
 * <p>The port offers what both etcd and Consul do natively, so each call is one store round
 * trip: a read of every key under a prefix, and one atomic transaction of writes guarded by
 * compares. Keys are plain strings in the lochness layout ({@code lochness/hypervisors/...},
 * no leading slash); values are UTF-8 strings.
 *
 * <p>Every method is synchronous and bounded by the adapter's deadline: a store that does not
 * answer in time, or answers with an error, makes the call throw {@link
 * StoreUnavailableException}. An implementation never leaves a transaction half applied.
 */
public interface KeyValueStore extends AutoCloseable {

    /** A short name for logs and health details: {@code etcd}, {@code consul}, {@code memory}. */
    String name();

    /**
     * Reads every key that starts with {@code prefix}, in one round trip.
     *
     * @return the entries sorted by key, each with its modification revision, and the store
     *     revision the read was taken at (at least the largest entry revision)
     */
    Snapshot read(String prefix);

    /**
     * Applies the transaction's mutations atomically if and only if all its conditions hold.
     *
     * @return {@link TxnResult#committed(long)} with the revision the writes got, or {@link
     *     TxnResult#conflict()} when a condition failed; then nothing was written
     */
    TxnResult commit(Txn txn);

    /**
     * The most conditions plus mutations one transaction may hold (etcd: 128 by default;
     * Consul: 64). A caller that needs more must split its work or refuse it.
     */
    default int maxTxnOperations() {
        return Integer.MAX_VALUE;
    }

    /** A cheap round trip that throws {@link StoreUnavailableException} when the store is down. */
    void ping();

    /** Releases the client; the store itself is untouched. */
    @Override
    void close();
}
