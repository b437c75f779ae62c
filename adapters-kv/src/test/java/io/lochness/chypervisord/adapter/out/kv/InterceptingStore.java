package io.lochness.chypervisord.adapter.out.kv;

import io.lochness.chypervisord.adapter.out.kv.spi.ForwardingKeyValueStore;
import io.lochness.chypervisord.adapter.out.kv.spi.KeyValueStore;
import io.lochness.chypervisord.adapter.out.kv.spi.Page;
import io.lochness.chypervisord.adapter.out.kv.spi.Snapshot;
import io.lochness.chypervisord.adapter.out.kv.spi.Txn;
import io.lochness.chypervisord.adapter.out.kv.spi.TxnResult;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A store decorator for registry tests: counts reads, revision calls and commits, records every transaction
 * offered, and lets a test replace what a commit does or shrink the transaction limit.
 */
final class InterceptingStore extends ForwardingKeyValueStore {

    /** What a commit does; the default delegates. */
    @FunctionalInterface
    interface CommitHook {
        TxnResult commit(Txn txn, KeyValueStore delegate);
    }

    final AtomicInteger reads = new AtomicInteger();
    final AtomicInteger commits = new AtomicInteger();
    final AtomicInteger revisionCalls = new AtomicInteger();
    /** Runs in every current-revision call after the delegate answered (to hold it, or fail it). */
    volatile Runnable afterRevision = () -> {};
    final List<Txn> offered = new CopyOnWriteArrayList<>();
    volatile CommitHook hook = (txn, d) -> d.commit(txn);
    /** Runs in every read after the delegate answered, before the answer is returned (to hold it, or fail it). */
    volatile Runnable afterRead = () -> {};
    volatile int maxTxnOperations = Integer.MAX_VALUE;
    /** Whether the registry may read back inside a commit: as the delegate unless a test says otherwise. */
    volatile boolean readsInTxn;

    InterceptingStore(KeyValueStore delegate) {
        super(delegate);
        this.readsInTxn = delegate.readsInTxn();
    }

    void resetCounts() {
        reads.set(0);
        commits.set(0);
        revisionCalls.set(0);
        offered.clear();
    }

    @Override
    public String name() {
        return "intercepting " + delegate.name();
    }

    @Override
    public Snapshot read(String prefix) {
        reads.incrementAndGet();
        Snapshot snapshot = delegate.read(prefix);
        afterRead.run();
        return snapshot;
    }

    @Override
    public Page readPage(String prefix, String afterKey, long revision, int limit) {
        reads.incrementAndGet();
        Page page = delegate.readPage(prefix, afterKey, revision, limit);
        afterRead.run();
        return page;
    }

    @Override
    public long currentRevision() {
        revisionCalls.incrementAndGet();
        long revision = delegate.currentRevision();
        afterRevision.run();
        return revision;
    }

    @Override
    public TxnResult commit(Txn txn) {
        commits.incrementAndGet();
        offered.add(txn);
        return hook.commit(txn, delegate);
    }

    @Override
    public int maxTxnOperations() {
        return maxTxnOperations;
    }

    @Override
    public boolean readsInTxn() {
        return readsInTxn;
    }

}
