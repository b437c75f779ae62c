package io.lochness.chypervisord.adapter.in.http;

import io.lochness.chypervisord.domain.model.StoreUnavailableException;
import io.lochness.chypervisord.adapter.out.kv.spi.ForwardingKeyValueStore;
import io.lochness.chypervisord.adapter.out.kv.spi.KeyValueStore;
import io.lochness.chypervisord.adapter.out.kv.spi.Page;
import io.lochness.chypervisord.adapter.out.kv.spi.Snapshot;
import io.lochness.chypervisord.adapter.out.kv.spi.Txn;
import io.lochness.chypervisord.adapter.out.kv.spi.TxnResult;

/**
 * A store decorator whose reads and commits fail with {@link StoreUnavailableException} on demand,
 * as a store that is down or past its deadline does.
 */
public final class FailingKeyValueStore extends ForwardingKeyValueStore {
    private volatile boolean failReads;
    private volatile boolean failCommits;
    private volatile RuntimeException unexpected;

    public FailingKeyValueStore(KeyValueStore delegate) {
        super(delegate);
    }

    public void failReads(boolean fail) {
        failReads = fail;
    }

    public void failCommits(boolean fail) {
        failCommits = fail;
    }

    /** Makes every read and commit throw {@code failure}: a store adapter's own bug, not an outage. */
    public void failUnexpectedly(RuntimeException failure) {
        unexpected = failure;
    }

    public void heal() {
        failReads = false;
        failCommits = false;
        unexpected = null;
    }

    @Override
    public Snapshot read(String prefix) {
        failRead();
        return delegate.read(prefix);
    }

    @Override
    public Page readPage(String prefix, String afterKey, long revision, int limit) {
        failRead();
        return delegate.readPage(prefix, afterKey, revision, limit);
    }

    @Override
    public long currentRevision() {
        failRead();
        return delegate.currentRevision();
    }

    private void failRead() {
        throwUnexpected();
        if (failReads) {
            throw new StoreUnavailableException("the " + delegate.name() + " store did not answer in time");
        }
    }

    @Override
    public TxnResult commit(Txn txn) {
        throwUnexpected();
        // A transaction that reads back is a read too: a store that cannot read cannot answer it.
        if (failCommits || (failReads && txn.readBack() != null)) {
            throw new StoreUnavailableException("the " + delegate.name() + " store did not answer in time");
        }
        return delegate.commit(txn);
    }

    private void throwUnexpected() {
        RuntimeException failure = unexpected;
        if (failure != null) {
            throw failure;
        }
    }

    @Override
    public void ping() {
        if (failReads) {
            throw new StoreUnavailableException("the " + delegate.name() + " store is down");
        }
        delegate.ping();
    }

}
