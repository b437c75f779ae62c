package io.lochness.chypervisord.adapter.in.http;

import io.lochness.chypervisord.adapter.out.kv.memory.InMemoryKeyValueStore;
import io.lochness.chypervisord.adapter.out.kv.spi.KeyValueStore;

/** Filters, pages and the change feed over the in-memory store, reads from the view. */
class InMemoryListAndFeedTest extends ListAndFeedContract {
    @Override
    protected KeyValueStore createStore() {
        return new InMemoryKeyValueStore();
    }
}
