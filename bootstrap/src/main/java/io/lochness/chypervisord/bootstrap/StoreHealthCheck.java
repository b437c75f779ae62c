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

    private volatile String lastFailure;

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponse.Builder response = HealthCheckResponse.builder().detail("store", store.name());
        view.ifPresent(v -> response.detail("view", v.state().name().toLowerCase(java.util.Locale.ROOT))
                .detail("viewRevision", v.appliedRevision()));
        try {
            store.ping();
            lastFailure = null;
            return response.status(HealthCheckResponse.Status.UP).build();
        } catch (RuntimeException e) {
            // The store's address and its own error text go to the log (once per change), not to
            // whoever can reach the open health endpoint.
            String message = String.valueOf(e.getMessage());
            if (!message.equals(lastFailure)) {
                lastFailure = message;
                System.getLogger(StoreHealthCheck.class.getName()).log(System.Logger.Level.WARNING,
                        "store health check failed: " + message);
            }
            return response.status(HealthCheckResponse.Status.DOWN)
                    .detail("error", "the " + store.name() + " store does not answer (the server log has the details)").build();
        }
    }
}
