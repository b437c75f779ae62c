package io.lochness.chypervisord.adapter.in.http;

import io.lochness.chypervisord.adapter.out.kv.memory.InMemoryKeyValueStore;
import io.lochness.chypervisord.adapter.out.kv.spi.KeyValueStore;

/** The HTTP API contract over the in-memory store, reads served from the registry view. */
class InMemoryHttpApiTest extends HttpApiContract {
    @Override
    protected KeyValueStore createStore() {
        return new InMemoryKeyValueStore();
    }
}
