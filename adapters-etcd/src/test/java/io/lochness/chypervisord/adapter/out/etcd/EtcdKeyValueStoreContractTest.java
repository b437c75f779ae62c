package io.lochness.chypervisord.adapter.out.etcd;

import io.lochness.chypervisord.adapter.out.kv.spi.KeyValueStore;
import io.lochness.chypervisord.adapter.out.kv.spi.KeyValueStoreContract;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The store contract, run against a real etcd. */
class EtcdKeyValueStoreContractTest extends KeyValueStoreContract {

    @RegisterExtension
    static final EtcdServerExtension ETCD = new EtcdServerExtension();

    @Override
    protected KeyValueStore createStore() {
        return new EtcdKeyValueStore(ETCD.server().settings());
    }

    @Override
    protected void compact(long revision) {
        ETCD.server().compact(revision);
    }
}
