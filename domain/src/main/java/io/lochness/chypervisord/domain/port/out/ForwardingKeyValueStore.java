package io.lochness.chypervisord.domain.port.out;

import java.util.Objects;

/**
 * A store that hands every call to another: the base of decorators (metrics, test doubles).
 *
 * <p>A decorator extends this and overrides only what it observes. Every method of the port is
 * forwarded here, the defaulted ones too: a decorator written straight against the interface
 * would silently take a default instead of its delegate's answer (a metered etcd store reporting
 * {@link KeyValueStore#readsInTxn()} false would turn the one-round-trip PATCH off). A decorator
 * that must see every read overrides both {@code read} methods.
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
    public Snapshot read(String prefix, String keySuffix) {
        return delegate.read(prefix, keySuffix);
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
    public void ping() {
        delegate.ping();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
