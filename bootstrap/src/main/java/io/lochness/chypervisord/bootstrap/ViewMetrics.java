package io.lochness.chypervisord.bootstrap;

import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.MeterRegistry;
import io.lochness.chypervisord.adapter.out.kv.RegistryView;

/** The registry view's gauges: hypervisors held, revision applied, last load time, whether ready. */
final class ViewMetrics {
    private ViewMetrics() {}

    static void register(RegistryView view, MeterRegistry registry) {
        registry.getOrCreate(Gauge.builder("chypervisord.view.hypervisors", view, v -> (double) v.size())
                .description("Hypervisors held by the registry view"));
        registry.getOrCreate(Gauge.builder("chypervisord.view.revision", view, v -> (double) v.appliedRevision())
                .description("Store revision the registry view has applied every change up to"));
        registry.getOrCreate(Gauge.builder("chypervisord.view.load.seconds", view,
                        v -> v.loadMillis() < 0 ? Double.NaN : v.loadMillis() / 1000.0)
                .description("How long the registry view's last complete load took"));
        registry.getOrCreate(Gauge.builder("chypervisord.view.ready", view,
                        v -> v.state() == RegistryView.State.READY ? 1.0 : 0.0)
                .description("1 while reads are served from the registry view, 0 while it loads"));
    }
}
