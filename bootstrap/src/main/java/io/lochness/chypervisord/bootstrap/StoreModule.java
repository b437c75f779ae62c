package io.lochness.chypervisord.bootstrap;

import dagger.Module;
import dagger.Provides;
import io.helidon.metrics.api.MeterRegistry;
import io.lochness.chypervisord.adapter.out.kv.spi.KeyValueStore;
import jakarta.inject.Provider;
import jakarta.inject.Singleton;
import java.util.Map;

/**
 * Chooses the store: each store module contributes a provider keyed by its backend, and the
 * {@code --kv} address picks one. Only the chosen store is ever built.
 */
@Module(includes = {MemoryStoreModule.class, EtcdStoreModule.class, ConsulStoreModule.class})
interface StoreModule {
    @Provides
    @Singleton
    static StoreChoice choice(Settings settings) {
        return StoreChoice.of(settings.kv(), new HttpProbe());
    }

    @Provides
    @Singleton
    static KeyValueStore store(
            StoreChoice choice, Map<Backend, Provider<KeyValueStore>> stores, MeterRegistry registry) {
        Provider<KeyValueStore> store = stores.get(choice.backend());
        if (store == null) {
            throw new UsageException("no store adapter for " + choice.backend() + " is built into this chypervisord");
        }
        return new MeteredKeyValueStore(store.get(), registry);
    }
}
