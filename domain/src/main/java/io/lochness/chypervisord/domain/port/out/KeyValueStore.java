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
     * Reads, in the same one round trip as {@link #read(String)}, only the keys under {@code prefix}
     * that end with {@code keySuffix}: the list of every hypervisor needs each record's {@code
     * /metadata} key but none of the config, subnet and guest keys beside it. Neither etcd nor
     * Consul filters by suffix on the server, so the store still sends every key under the prefix;
     * what an adapter saves is turning the others into strings and entries (at 10,000 hypervisors,
     * seven of every eight keys), which is most of the memory a list request takes.
     *
     * <p>The snapshot's revision is the read's, exactly as for {@link #read(String)}. The default
     * filters the full read; adapters override it to skip the unwanted keys before decoding them.
     */
    default Snapshot read(String prefix, String keySuffix) {
        Snapshot all = read(prefix);
        return new Snapshot(
                all.entries().stream().filter(kv -> kv.key().endsWith(keySuffix)).toList(), all.revision());
    }

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

    /**
     * Whether {@link #commit(Txn)} takes a transaction with a {@link Txn#readBack()} prefix: then
     * a change and the state it leads to take one round trip, not a read and a commit.
     */
    default boolean readsInTxn() {
        return false;
    }

    /** A cheap round trip that throws {@link StoreUnavailableException} when the store is down. */
    void ping();

    /** Releases the client; the store itself is untouched. */
    @Override
    void close();
}
