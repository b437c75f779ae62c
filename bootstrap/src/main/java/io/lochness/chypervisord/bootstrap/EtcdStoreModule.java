package io.lochness.chypervisord.bootstrap;

import dagger.Module;
import dagger.Provides;
import dagger.multibindings.IntoMap;
import io.lochness.chypervisord.adapter.out.etcd.EtcdKeyValueStore;
import io.lochness.chypervisord.adapter.out.kv.spi.KeyValueStore;

/**
 * Provides the etcd store for {@code --kv etcd://host:port[,host:port...]} and for a probed (or
 * not yet answering) {@code http(s)://} address. Credentials come from {@code ETCD_USERNAME} and
 * {@code ETCD_PASSWORD}.
 */
@Module
interface EtcdStoreModule {
    @Provides
    @IntoMap
    @BackendKey(Backend.ETCD)
    static KeyValueStore etcdStore(StoreChoice choice) {
        try {
            return EtcdKeyValueStore.forAddress(choice.address(), System.getenv());
        } catch (IllegalArgumentException e) {
            throw new UsageException("invalid --kv " + choice.text() + ": " + e.getMessage());
        }
    }
}
