package io.lochness.chypervisord.adapter.in.http;

import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Tag;
import io.helidon.metrics.api.Timer;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Observes every request: a latency histogram {@code chypervisord_http_requests_seconds} by route
 * template, method and status, and one log line at INFO (method, path, status, duration, bytes of body),
 * the original's request-logging middleware. The default {@code --log-level warn} keeps it quiet.
 */
public final class RequestObserver implements Filter {
    private static final System.Logger LOG = System.getLogger("chypervisord.requests");

    /** Latency buckets from a millisecond to ten seconds. */
    static final Duration[] BUCKETS = {
        Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10),
        Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
        Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5),
        Duration.ofSeconds(10)
    };

    private final MeterRegistry registry;

    /** The latency buckets, for other meters of the service to share. */
    public static Duration[] buckets() {
        return BUCKETS.clone();
    }

    public RequestObserver(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        long start = System.nanoTime();
        String method = req.prologue().method().text();
        String path = req.path().absolute().rawPath();
        String template = ApiRoutes.template(req.path().absolute().path());
        // Answers that are streamed (the list, Helidon's health) have no Content-Length, and
        // Helidon's count of a stream includes the headers and chunk framing: count the body.
        BodyCounter streamed = null;
        if (method.equals("GET") && (template.equals("/hypervisors") || template.startsWith("/observe/health"))) {
            BodyCounter counter = new BodyCounter();
            res.streamFilter(counter::wrap);
            streamed = counter;
        }
        BodyCounter counted = streamed;
        res.whenSent(() -> {
            long nanos = System.nanoTime() - start;
            int status = res.status().code();
            timer(ApiRoutes.template(req.path().absolute().path()), method, status)
                    .record(nanos, TimeUnit.NANOSECONDS);
            if (LOG.isLoggable(System.Logger.Level.INFO)) {
                long bytes = counted != null && counted.used() ? counted.count() : bodyBytes(method, status, res);
                // The map is the record's structured fields (a JSON log shows them as such).
                Map<String, Object> fields = new LinkedHashMap<>();
                fields.put("method", method);
                fields.put("path", path);
                fields.put("status", status);
                fields.put("duration_ms", Math.round(nanos / 1e5) / 10.0);
                fields.put("bytes", bytes);
                LOG.log(System.Logger.Level.INFO, String.format(
                        "%s %s %d %.1fms %dB", method, path, status, nanos / 1e6, bytes), (Object) fields);
            }
        });
        chain.proceed();
    }

    /** Counts the bytes written through the response's output stream: the body, as sent. */
    static final class BodyCounter {
        private final AtomicLong count = new AtomicLong();
        private volatile boolean used;

        OutputStream wrap(OutputStream out) {
            used = true;
            return new FilterOutputStream(out) {
                @Override
                public void write(int b) throws IOException {
                    out.write(b);
                    count.incrementAndGet();
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    out.write(b, off, len);
                    count.addAndGet(len);
                }
            };
        }

        boolean used() {
            return used;
        }

        long count() {
            return count.get();
        }
    }

    /**
     * The bytes of the response body: its Content-Length when it was sent in one piece, else what
     * Helidon counted as streamed; none for HEAD, 204 and 304.
     */
    static long bodyBytes(String method, int status, RoutingResponse res) {
        if (method.equals("HEAD") || status == 204 || status == 304) {
            return 0;
        }
        OptionalLong length = res.headers().contentLength();
        return length.isPresent() ? length.getAsLong() : res.bytesWritten();
    }

    private Timer timer(String route, String method, int status) {
        return registry.getOrCreate(Timer.builder("chypervisord.http.requests")
                .description("HTTP requests served, by route template, method and status")
                .tags(List.of(Tag.create("route", route), Tag.create("method", method),
                        Tag.create("status", Integer.toString(status))))
                .percentiles(new double[0]) // a Prometheus histogram: buckets, no client-side quantiles
                .buckets(BUCKETS));
    }
}
