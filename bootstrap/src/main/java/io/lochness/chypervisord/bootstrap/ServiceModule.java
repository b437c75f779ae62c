package io.lochness.chypervisord.bootstrap;

import com.fasterxml.jackson.databind.ObjectMapper;
import dagger.Module;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Metrics;
import dagger.Provides;
import io.lochness.chypervisord.adapter.in.http.JsonMapper;
import io.lochness.chypervisord.domain.port.in.HypervisorService;
import io.lochness.chypervisord.domain.port.out.KeyValueStore;
import io.lochness.chypervisord.domain.service.HypervisorRegistry;
import jakarta.inject.Singleton;

/** Wires the domain service over the chosen store, and the API's one ObjectMapper. */
@Module
interface ServiceModule {
    @Provides
    @Singleton
    static HypervisorService hypervisorService(KeyValueStore store, MeterRegistry registry) {
        return new HypervisorRegistry(store, operation -> MeteredKeyValueStore.conflictRetried(registry, operation));
    }

    /** Helidon's global registry: what {@code /observe/metrics} serves, JVM meters included. */
    @Provides
    @Singleton
    static MeterRegistry meterRegistry() {
        return Metrics.globalRegistry();
    }

    @Provides
    @Singleton
    static ObjectMapper objectMapper() {
        return JsonMapper.create();
    }
}
