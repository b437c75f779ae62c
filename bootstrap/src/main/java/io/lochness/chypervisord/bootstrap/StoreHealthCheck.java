package io.lochness.chypervisord.bootstrap;

import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;
import io.lochness.chypervisord.domain.port.out.KeyValueStore;

/**
 * Readiness: UP while the store answers a ping within its deadline, DOWN (with the store's name
 * and the error) while it does not; it turns UP again by itself once the store answers.
 */
final class StoreHealthCheck implements HealthCheck {
    private final KeyValueStore store;

    StoreHealthCheck(KeyValueStore store) {
        this.store = store;
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
        try {
            store.ping();
            return response.status(HealthCheckResponse.Status.UP).build();
        } catch (RuntimeException e) {
            return response.status(HealthCheckResponse.Status.DOWN).detail("error", String.valueOf(e.getMessage())).build();
        }
    }
}
