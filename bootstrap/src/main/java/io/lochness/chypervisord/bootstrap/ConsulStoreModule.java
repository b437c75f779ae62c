package io.lochness.chypervisord.bootstrap;

import dagger.Module;

/** Provides the Consul store for {@code --kv consul://} (wired once the adapter lands). */
@Module
interface ConsulStoreModule {}
