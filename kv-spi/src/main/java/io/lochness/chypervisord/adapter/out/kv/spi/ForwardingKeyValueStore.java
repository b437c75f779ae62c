package io.lochness.chypervisord.adapter.out.kv.spi;

import java.util.Objects;

/**
 * A store that hands every call to another: the base of decorators (metrics, test doubles).
 *
 * <p>A decorator extends this and overrides only what it observes; every method of the SPI is
 * forwarded here, so a decorator cannot silently answer for its delegate (a metered etcd store
 * reporting {@link KeyValueStore#readsInTxn()} false would turn the one-round-trip PATCH off).
 * A decorator that must see every read overrides {@code read} and {@code readPage}.
 */
public abstract class ForwardingKeyValueStore implements KeyValueStore {
    protected final KeyValueStore delegate;

    protected ForwardingKeyValueStore(KeyValueStore delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public Snapshot read(String prefix) {
        return delegate.read(prefix);
    }

    @Override
    public Page readPage(String prefix, String afterKey, long revision, int limit) {
        return delegate.readPage(prefix, afterKey, revision, limit);
    }

    @Override
    public long currentRevision() {
        return delegate.currentRevision();
    }

    @Override
    public Watch watch(String prefix, long fromRevision, WatchListener listener) {
        return delegate.watch(prefix, fromRevision, listener);
    }

    @Override
    public TxnResult commit(Txn txn) {
        return delegate.commit(txn);
    }

    @Override
    public int maxTxnOperations() {
        return delegate.maxTxnOperations();
    }

    @Override
    public boolean readsInTxn() {
        return delegate.readsInTxn();
    }

    @Override
    public boolean prefixConditionAtomic() {
        return delegate.prefixConditionAtomic();
    }

    @Override
    public void ping() {
        delegate.ping();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
