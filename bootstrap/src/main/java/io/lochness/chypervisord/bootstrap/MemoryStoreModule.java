package io.lochness.chypervisord.bootstrap;

import dagger.Module;
import dagger.Provides;
import dagger.multibindings.IntoMap;
import io.lochness.chypervisord.adapter.out.kv.memory.InMemoryKeyValueStore;
import io.lochness.chypervisord.adapter.out.kv.spi.KeyValueStore;

/** Provides the in-memory store for {@code --kv mem://}. */
@Module
interface MemoryStoreModule {
    @Provides
    @IntoMap
    @BackendKey(Backend.MEMORY)
    static KeyValueStore memoryStore() {
        System.getLogger(MemoryStoreModule.class.getName()).log(System.Logger.Level.WARNING,
                "using the in-memory store: nothing is persisted, and nothing is shared with other lochness daemons");
        return new InMemoryKeyValueStore();
    }
}
