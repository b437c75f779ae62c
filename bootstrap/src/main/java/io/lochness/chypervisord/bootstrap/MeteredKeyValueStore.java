package io.lochness.chypervisord.bootstrap;

import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Tag;
import io.helidon.metrics.api.Timer;
import io.lochness.chypervisord.adapter.out.kv.spi.ForwardingKeyValueStore;
import io.lochness.chypervisord.adapter.out.kv.spi.KeyValueStore;
import io.lochness.chypervisord.adapter.out.kv.spi.Page;
import io.lochness.chypervisord.adapter.out.kv.spi.Snapshot;
import io.lochness.chypervisord.adapter.out.kv.spi.Txn;
import io.lochness.chypervisord.adapter.out.kv.spi.TxnResult;
import io.lochness.chypervisord.domain.model.StoreUnavailableException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Decorates whichever store was chosen with metrics and debug logging, so every adapter is
 * observed the same way: {@code chypervisord_store_operations_seconds} by operation ({@code
 * read}, {@code revision}, {@code txn}) and outcome ({@code ok}, {@code conflict}, {@code error}), and one DEBUG
 * line per store call.
 */
final class MeteredKeyValueStore extends ForwardingKeyValueStore {
    private static final System.Logger LOG = System.getLogger("chypervisord.store");

    private final MeterRegistry registry;

    MeteredKeyValueStore(KeyValueStore delegate, MeterRegistry registry) {
        super(delegate);
        this.registry = registry;
    }

    @Override
    public Snapshot read(String prefix) {
        return observe("read", prefix, () -> delegate.read(prefix), s -> "ok", s -> s.entries().size() + " keys");
    }

    @Override
    public Page readPage(String prefix, String afterKey, long revision, int limit) {
        return observe("read", prefix + " page after " + afterKey + " at " + revision,
                () -> delegate.readPage(prefix, afterKey, revision, limit), p -> "ok", p -> p.entries().size() + " keys");
    }

    @Override
    public long currentRevision() {
        return observe("revision", "current", delegate::currentRevision, r -> "ok", r -> "revision " + r);
    }

    @Override
    public TxnResult commit(Txn txn) {
        return observe("txn", txn.size() + " ops", () -> delegate.commit(txn),
                r -> r.committed() ? "ok" : "conflict",
                r -> r.committed() ? "committed at " + r.revision() : "conflict");
    }

    private <T> T observe(String op, String what, Supplier<T> call,
            java.util.function.Function<T, String> outcome, java.util.function.Function<T, String> detail) {
        long start = System.nanoTime();
        String result = "error";
        String text = null;
        try {
            T value = call.get();
            result = outcome.apply(value);
            if (LOG.isLoggable(System.Logger.Level.DEBUG)) {
                text = detail.apply(value);
            }
            return value;
        } catch (StoreUnavailableException e) {
            text = e.getMessage();
            throw e;
        } finally {
            long nanos = System.nanoTime() - start;
            timer(op, result).record(nanos, TimeUnit.NANOSECONDS);
            if (LOG.isLoggable(System.Logger.Level.DEBUG)) {
                double millis = Math.round(nanos / 1e5) / 10.0;
                // The map is the record's structured fields (--log-format json); text shows the line.
                LOG.log(System.Logger.Level.DEBUG, String.format("%s %s %s: %s in %.1fms",
                        delegate.name(), op, what, text, nanos / 1e6),
                        (Object) Map.of("store", delegate.name(), "operation", op, "outcome", result,
                                "duration_ms", millis));
            }
        }
    }

    private Timer timer(String op, String outcome) {
        return timer(registry, op, outcome);
    }

    /** A histogram (buckets, no client-side quantiles: a Prometheus histogram carries none). */
    private static Timer timer(MeterRegistry registry, String op, String outcome) {
        return registry.getOrCreate(Timer.builder("chypervisord.store.operations")
                .description("Calls to the key-value store, by operation and outcome")
                .tags(List.of(Tag.create("operation", op), Tag.create("outcome", outcome)))
                .percentiles(new double[0])
                .buckets(io.lochness.chypervisord.adapter.in.http.RequestObserver.buckets()));
    }

    /** Counts writes that lost a race and were retried ({@code chypervisord_conflicts_retried_total}). */
    static void conflictRetried(MeterRegistry registry, String operation) {
        conflicts(registry, operation).increment();
    }

    private static Counter conflicts(MeterRegistry registry, String operation) {
        return registry.getOrCreate(Counter.builder("chypervisord.conflicts.retried")
                .description("Writes that lost a race to a concurrent writer and were retried")
                .tags(List.of(Tag.create("operation", operation))));
    }

    /** The domain's retried write operations (HypervisorRegistry), counted from zero. */
    static final List<String> RETRIED_OPERATIONS =
            List.of("update hypervisor", "delete hypervisor", "update config", "update subnets", "remove subnet");

    /**
     * Registers the store and conflict meters with every label value known up front, so that they
     * are scraped (at zero) before the first store call or conflict.
     */
    static void registerAtZero(MeterRegistry registry) {
        for (String outcome : List.of("ok", "error")) {
            timer(registry, "read", outcome);
        }
        for (String outcome : List.of("ok", "conflict", "error")) {
            timer(registry, "txn", outcome);
        }
        for (String operation : RETRIED_OPERATIONS) {
            conflicts(registry, operation);
        }
    }

}
