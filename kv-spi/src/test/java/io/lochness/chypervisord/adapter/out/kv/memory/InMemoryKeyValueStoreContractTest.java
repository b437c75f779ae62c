package io.lochness.chypervisord.adapter.out.kv.memory;

import io.lochness.chypervisord.adapter.out.kv.spi.KeyValueStore;
import io.lochness.chypervisord.adapter.out.kv.spi.KeyValueStoreContract;

class InMemoryKeyValueStoreContractTest extends KeyValueStoreContract {
    private InMemoryKeyValueStore memory;

    @Override
    protected KeyValueStore createStore() {
        memory = new InMemoryKeyValueStore();
        return memory;
    }

    @Override
    protected void compact(long revision) {
        memory.compact(revision);
    }
}
