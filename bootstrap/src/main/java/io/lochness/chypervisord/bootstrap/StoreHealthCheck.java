package io.lochness.chypervisord.bootstrap;

import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;
import io.lochness.chypervisord.adapter.out.kv.RegistryView;
import io.lochness.chypervisord.adapter.out.kv.spi.KeyValueStore;
import java.util.Optional;

/**
 * Readiness: UP while the store answers a ping within its deadline, DOWN (with the store's name
 * and the error) while it does not; it turns UP again by itself once the store answers. The
 * registry view's state ({@code loading} or {@code ready}) and revision are details: a loading
 * view does not make the service unready, since reads then go to the store.
 */
final class StoreHealthCheck implements HealthCheck {
    private final KeyValueStore store;
    private final Optional<RegistryView> view;

    StoreHealthCheck(KeyValueStore store, Optional<RegistryView> view) {
        this.store = store;
        this.view = view;
    }

    @Override
    public HealthCheckType type() {
        return HealthCheckType.READINESS;
    }

    @Override
    public String name() {
        return "store";
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponse.Builder response = HealthCheckResponse.builder().detail("store", store.name());
        view.ifPresent(v -> response.detail("view", v.state().name().toLowerCase(java.util.Locale.ROOT))
                .detail("viewRevision", v.appliedRevision()));
        try {
            store.ping();
            return response.status(HealthCheckResponse.Status.UP).build();
        } catch (RuntimeException e) {
            return response.status(HealthCheckResponse.Status.DOWN).detail("error", String.valueOf(e.getMessage())).build();
        }
    }
}
