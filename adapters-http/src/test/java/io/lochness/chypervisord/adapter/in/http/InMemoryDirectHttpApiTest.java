package io.lochness.chypervisord.adapter.in.http;

import io.lochness.chypervisord.adapter.out.kv.memory.InMemoryKeyValueStore;
import io.lochness.chypervisord.adapter.out.kv.spi.KeyValueStore;

/** The HTTP API contract over the in-memory store with the registry view turned off. */
class InMemoryDirectHttpApiTest extends HttpApiContract {
    @Override
    protected KeyValueStore createStore() {
        return new InMemoryKeyValueStore();
    }

    @Override
    protected boolean viewEnabled() {
        return false;
    }
}
