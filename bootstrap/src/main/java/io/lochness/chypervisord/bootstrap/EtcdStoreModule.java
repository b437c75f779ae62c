package io.lochness.chypervisord.bootstrap;

import dagger.Module;

/** Provides the etcd store for {@code --kv etcd://} (wired once the adapter lands). */
@Module
interface EtcdStoreModule {}
