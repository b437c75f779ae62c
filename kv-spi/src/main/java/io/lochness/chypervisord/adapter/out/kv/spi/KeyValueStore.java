package io.lochness.chypervisord.adapter.out.kv.spi;

import io.lochness.chypervisord.domain.model.StoreUnavailableException;

/**
 * SPI: the key-value store the registry lives in (etcd, Consul or memory), as the persistence
 * adapter ({@code adapters-kv}) needs it and no more.
 *
 * <p>Keys are plain strings ({@code lochness/hypervisors/...}, no leading slash); values are UTF-8
 * strings. What a store module implements, each call one round trip (or one stream):
 *
 * <ul>
 *   <li>{@link #read(String)}: every key under a small prefix (one hypervisor's keys);
 *   <li>{@link #readPage}: a bounded page of a large prefix at one fixed revision, so a load of
 *       any size is one consistent snapshot and no message exceeds the store's bounds;
 *   <li>{@link #currentRevision()}: the store's revision through a cheap linearizable call;
 *   <li>{@link #watch}: every change under a prefix from a revision on, with progress;
 *   <li>{@link #commit(Txn)}: one atomic transaction of writes guarded by compares.
 * </ul>
 *
 * <p><b>Revisions.</b> A revision is a store-wide number that never goes backwards for a client
 * that keeps talking to the same store: etcd's revision, Consul's Raft index (its {@code
 * ModifyIndex} and {@code X-Consul-Index}), the memory store's counter. A key's revision is the
 * revision that last modified it. What every store keeps, and the contract suite checks: a
 * committed transaction returns a revision at least as large as every key revision it wrote; a
 * read's revision is at least the largest key revision it returns; {@link #currentRevision()}
 * taken after a commit returned is at least that commit's revision. What only some stores keep
 * (etcd, memory): every key a transaction writes gets the same new revision. Consul keeps the old
 * {@code ModifyIndex} of a key set to the value it already had.
 *
 * <p>Every call is synchronous and bounded by the adapter's deadline: a store that does not
 * answer in time, or answers with an error, makes the call throw {@link
 * StoreUnavailableException}. An implementation never leaves a transaction half applied.
 */
public interface KeyValueStore extends AutoCloseable {

    /** A short name for logs and health details: {@code etcd}, {@code consul}, {@code memory}. */
    String name();

    /**
     * Reads every key that starts with {@code prefix} at the store's current revision, in one
     * round trip. Meant for small prefixes (one hypervisor's keys); a large prefix is read with
     * {@link #readPage}.
     *
     * @return the entries sorted by key, each with its modification revision, and the store
     *     revision the read was taken at (at least the largest entry revision)
     */
    Snapshot read(String prefix);

    /**
     * Reads at most {@code limit} keys under {@code prefix} that sort after {@code afterKey} (from
     * the first key when null), as the store was at {@code revision}, or at its current revision
     * when {@code revision} is 0. Calling it again with the returned page's revision and its last
     * key as {@code afterKey} continues the same snapshot, so any number of pages read that way
     * are together exactly the prefix at that one revision, whatever writers do meanwhile.
     *
     * <p>An adapter may return fewer entries than {@code limit} (to keep one message under its
     * transport's bound) but at least one when any follows; {@link Page#more()} says whether keys
     * follow.
     *
     * @throws CompactedException when {@code revision} is older than the history the store keeps
     */
    Page readPage(String prefix, String afterKey, long revision, int limit);

    /**
     * The store's current revision, through a cheap linearizable call: every write acknowledged
     * to anyone before this call started has a revision at most the one returned (etcd: a range of
     * one key with {@code count_only}, read off the response header; Consul: the index of a
     * {@code ?consistent} read; memory: the counter).
     */
    long currentRevision();

    /**
     * Starts watching every key under {@code prefix}: the listener is told of every change with a
     * revision of at least {@code fromRevision}, in revision order, on one thread at a time (a
     * store-owned thread; the listener must not block for long). All changes of one revision
     * arrive in one {@link WatchListener#onChanges} call.
     *
     * <p>The watch ends (and says so exactly once, through {@link WatchListener#onCompacted} or
     * {@link WatchListener#onFailure}) when the store can no longer give every change from where
     * it is; the caller then watches again from the revision after the last one it applied, or
     * loads again. {@link Watch#close()} ends it without a call.
     */
    Watch watch(String prefix, long fromRevision, WatchListener listener);

    /**
     * Applies the transaction's mutations atomically if and only if all its conditions hold.
     *
     * @return {@link TxnResult#committed(long)} with the revision the writes got, or {@link
     *     TxnResult#conflict()} when a condition failed; then nothing was written
     */
    TxnResult commit(Txn txn);

    /**
     * The most conditions plus mutations one transaction may hold (etcd: 128 by default;
     * Consul: 64 before 1.14, 128 after). A caller that needs more must split its work or refuse it.
     */
    int maxTxnOperations();

    /**
     * Whether {@link #commit(Txn)} takes a transaction with a {@link Txn#readBack()} prefix: then
     * a change and the state it leads to take one round trip, not a read and a commit.
     */
    boolean readsInTxn();

    /**
     * Whether {@link Txn.PrefixEmpty} is checked atomically with the writes (etcd, memory). A
     * store that cannot (Consul, whose transactions have no prefix condition) checks it with a
     * consistent read just before the transaction and says so here; callers must then accept
     * the window between the two.
     */
    boolean prefixConditionAtomic();

    /** A cheap round trip that throws {@link StoreUnavailableException} when the store is down. */
    void ping();

    /** Releases the client; the store itself is untouched. Open watches end. */
    @Override
    void close();
}
