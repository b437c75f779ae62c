package io.lochness.chypervisord.adapter.in.http;

import io.lochness.chypervisord.domain.port.out.KeyValueStore;
import io.lochness.chypervisord.domain.store.InMemoryKeyValueStore;

/** The HTTP API contract over the in-memory store. */
class InMemoryHttpApiTest extends HttpApiContract {
    @Override
    protected KeyValueStore createStore() {
        return new InMemoryKeyValueStore();
    }
}
