package io.lochness.chypervisord.bootstrap;

import dagger.Module;
import dagger.Provides;
import dagger.multibindings.IntoMap;
import io.lochness.chypervisord.adapter.out.consul.ConsulKeyValueStore;
import io.lochness.chypervisord.adapter.out.consul.ConsulSettings;
import io.lochness.chypervisord.adapter.out.kv.spi.KeyValueStore;

/** Provides the Consul store for {@code --kv consul://host:port} (or a probed http(s) address). */
@Module
interface ConsulStoreModule {
    @Provides
    @IntoMap
    @BackendKey(Backend.CONSUL)
    static KeyValueStore consulStore(StoreChoice choice) {
        try {
            return new ConsulKeyValueStore(ConsulSettings.parse(choice.address() == null ? "consul://" : choice.address().toString(), System.getenv()));
        } catch (IllegalArgumentException e) {
            throw new UsageException("invalid --kv " + choice.text() + ": " + e.getMessage());
        }
    }
}
