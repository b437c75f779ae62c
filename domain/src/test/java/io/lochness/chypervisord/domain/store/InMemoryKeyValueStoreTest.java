package io.lochness.chypervisord.domain.store;

import io.lochness.chypervisord.domain.port.out.KeyValueStore;
import io.lochness.chypervisord.domain.port.out.KeyValueStoreContract;

class InMemoryKeyValueStoreTest extends KeyValueStoreContract {
    @Override
    protected KeyValueStore createStore() {
        return new InMemoryKeyValueStore();
    }
}
