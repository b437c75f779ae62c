package io.lochness.chypervisord.bootstrap;

import com.fasterxml.jackson.databind.ObjectMapper;
import dagger.Module;
import dagger.Provides;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Metrics;
import io.lochness.chypervisord.adapter.in.http.JsonMapper;
import io.lochness.chypervisord.adapter.out.kv.ChangeFeed;
import io.lochness.chypervisord.adapter.out.kv.KvHypervisorRepository;
import io.lochness.chypervisord.adapter.out.kv.RegistryView;
import io.lochness.chypervisord.adapter.out.kv.spi.KeyValueStore;
import io.lochness.chypervisord.domain.port.in.HypervisorService;
import io.lochness.chypervisord.domain.port.out.HypervisorRepository;
import io.lochness.chypervisord.domain.service.HypervisorRegistry;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.Optional;

/** Wires the domain service over the chosen store, and the API's one ObjectMapper. */
@Module
interface ServiceModule {
    /**
     * Keys per page of the view's load: 50,000 keys of the lochness layout is some 7 MB a message
     * (gRPC's limit is 64 MiB; the etcd adapter halves a page that would exceed it). Not fewer:
     * etcd 3.4 walks every key left in the range for each page (it counts them), so a load costs
     * pages x keys. Measured: 200,000 keys took 11-13 s in pages of 1,000 and 1.9 s in pages of
     * 10,000; 800,000 keys (100,000 hypervisors) took 151-172 s to load in pages of 1,000.
     */
    int VIEW_PAGE_KEYS = 50_000;
    /** How long a read waits for the view to catch up before it reads the store directly. */
    Duration VIEW_CATCH_UP = Duration.ofMillis(500);

    @Provides
    @Singleton
    static HypervisorService hypervisorService(HypervisorRepository repository, MeterRegistry registry) {
        return new HypervisorRegistry(repository, operation -> MeteredKeyValueStore.conflictRetried(registry, operation));
    }

    /** The watch-fed view, or empty with {@code --view=off}; started here, loading in the background. */
    @Provides
    @Singleton
    static Optional<RegistryView> registryView(Settings settings, KeyValueStore store, MeterRegistry registry) {
        if (!settings.view()) {
            return Optional.empty();
        }
        RegistryView view = new RegistryView(store, VIEW_PAGE_KEYS, VIEW_CATCH_UP);
        ViewMetrics.register(view, registry);
        view.start();
        return Optional.of(view);
    }

    /**
     * The change feed, fed by the view; none with {@code --view=off} (the feed then answers 503:
     * a feed without the view would need a watch and a copy of the registry of its own).
     */
    @Provides
    @Singleton
    static Optional<ChangeFeed> changeFeed(Optional<RegistryView> view) {
        return view.map(ChangeFeed::new);
    }

    @Provides
    @Singleton
    static HypervisorRepository repository(KeyValueStore store, Optional<RegistryView> view, Optional<ChangeFeed> feed) {
        return new KvHypervisorRepository(store, view.orElse(null), feed.orElse(null));
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
