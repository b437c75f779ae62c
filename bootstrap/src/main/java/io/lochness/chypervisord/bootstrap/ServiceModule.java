package io.lochness.chypervisord.bootstrap;

import com.fasterxml.jackson.databind.ObjectMapper;
import dagger.Module;
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
    static HypervisorService hypervisorService(KeyValueStore store) {
        return new HypervisorRegistry(store);
    }

    @Provides
    @Singleton
    static ObjectMapper objectMapper() {
        return JsonMapper.create();
    }
}
