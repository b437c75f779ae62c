package io.lochness.chypervisord.bootstrap.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.lochness.chypervisord.bootstrap.BuildInfo;
import io.lochness.chypervisord.bootstrap.Chypervisord;
import io.lochness.chypervisord.bootstrap.Main;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * {@code /observe/metrics} counts requests by route template, method and status, and store calls
 * by operation and outcome, as Prometheus histograms; JVM basics are there too. The meter
 * registry is global to the JVM, so every count is compared before and after.
 */
class MetricsTest {
    private static final String REQUESTS = "chypervisord_http_requests_seconds_count";
    private static final String STORE = "chypervisord_store_operations_seconds_count";
    private static final Pattern UUID_LIKE = Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-");

    private static Chypervisord app;
    private static OpsHttp http;

    @BeforeAll
    static void start() {
        Main.Launch launch = Main.launch(new String[] {"--kv", "mem://", "-p", "0"}, System.out, System.err);
        assertThat(launch.app()).isNotNull();
        app = launch.app();
        http = new OpsHttp(app.port());
        // The view loads in the background, and its load's paged reads are store calls too: the
        // tests that count store calls start once it is done, however slow the machine. (Asked of
        // this service's readiness check: the JVM-wide registry's view gauge may still be bound
        // to the view of a service an earlier test class started and closed.)
        HttpResponse<String> ready = http.pollGet("/observe/health/ready", r -> "ready".equals(viewState(r)),
                java.time.Duration.ofSeconds(60));
        assertThat(viewState(ready)).as("the view; readiness: %s", ready.body()).isEqualTo("ready");
    }

    /** The view's state in a readiness answer's store check ("loading", "ready"), or null. */
    private static String viewState(HttpResponse<String> readiness) {
        for (var check : OpsHttp.json(readiness).path("checks")) {
            if (check.path("name").asText().equals("store")) {
                return check.path("data").path("view").asText(null);
            }
        }
        return null;
    }

    @AfterAll
    static void stop() {
        if (http != null) {
            http.close();
        }
        if (app != null) {
            app.close();
        }
    }

    static Prometheus scrape() {
        HttpResponse<String> r = http.send("GET", "/observe/metrics", null, "Accept", "text/plain");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
        return Prometheus.parse(r.body());
    }

    @Test
    void requestsAreCountedByRouteTemplateMethodAndStatus() {
        Prometheus before = settledScrape();
        for (int i = 0; i < 3; i++) {
            assertThat(http.get("/hypervisors").statusCode()).isEqualTo(200);
        }
        String id = UUID.randomUUID().toString();
        assertThat(http.send("POST", "/hypervisors", "{\"id\":\"" + id + "\"}").statusCode()).isEqualTo(201);
        assertThat(http.send("POST", "/hypervisors", "{}").statusCode()).isEqualTo(201);
        assertThat(http.send("POST", "/hypervisors", "{\"id\":\"" + id + "\"}").statusCode()).isEqualTo(409);
        assertThat(http.get("/hypervisors/" + UUID.randomUUID()).statusCode()).isEqualTo(404);
        assertThat(http.get("/hypervisors/" + id + "/config").statusCode()).isEqualTo(200);
        assertThat(http.send("PUT", "/hypervisors", "{}").statusCode()).isEqualTo(405);
        assertThat(http.get("/no/such/" + id).statusCode()).isEqualTo(404);
        // A request is recorded once its answer is sent, so the last one may land just after the
        // client has it: scrape until all ten are in (bounded), then compare exactly.
        Prometheus after = scrapeUntil(p -> apiRequests(p) - apiRequests(before) >= 10);

        assertThat(delta(before, after, REQUESTS, Map.of("method", "GET", "route", "/hypervisors", "status", "200")))
                .isEqualTo(3);
        assertThat(delta(before, after, REQUESTS, Map.of("method", "POST", "route", "/hypervisors", "status", "201")))
                .isEqualTo(2);
        assertThat(delta(before, after, REQUESTS, Map.of("method", "POST", "route", "/hypervisors", "status", "409")))
                .isEqualTo(1);
        assertThat(delta(before, after, REQUESTS, Map.of("method", "GET", "route", "/hypervisors/{id}", "status", "404")))
                .isEqualTo(1);
        assertThat(delta(before, after, REQUESTS,
                Map.of("method", "GET", "route", "/hypervisors/{id}/config", "status", "200"))).isEqualTo(1);
        assertThat(delta(before, after, REQUESTS, Map.of("method", "PUT", "route", "/hypervisors", "status", "405")))
                .isEqualTo(1);
        assertThat(delta(before, after, REQUESTS, Map.of("method", "GET", "route", "unmatched", "status", "404")))
                .isEqualTo(1);
        // All requests of this test, and nothing more.
        assertThat(apiRequests(after) - apiRequests(before)).isEqualTo(10);

        assertThat(after.find(REQUESTS, Map.of())).isNotEmpty().allSatisfy(s -> {
            assertThat(s.labels()).containsKeys("route", "method", "status");
            assertThat(s.labels().get("route")).as("a template, never a raw path").doesNotContainPattern(UUID_LIKE);
        });
    }

    @Test
    void storeCallsAreCountedByOperationAndOutcome() {
        Prometheus before = scrape();
        String id = UUID.randomUUID().toString();
        http.get("/hypervisors");                                              // revision (from the view) or read
        http.get("/hypervisors");                                              // revision (from the view) or read
        http.send("POST", "/hypervisors", "{\"id\":\"" + id + "\"}");          // txn ok
        http.send("POST", "/hypervisors", "{\"id\":\"" + id + "\"}");          // txn conflict (id taken)
        http.get("/hypervisors/" + UUID.randomUUID());                         // revision (from the view) or read
        http.send("PATCH", "/hypervisors/" + id, "{\"ip\":\"10.0.0.1\"}");     // read ok (straight from the store), txn ok
        http.send("PATCH", "/hypervisors/" + id, "{\"ip\":\"nope\"}");         // 400 before any store call
        Prometheus after = scrape();

        double reads = delta(before, after, STORE, Map.of("operation", "read", "outcome", "ok"));
        double revisions = delta(before, after, STORE, Map.of("operation", "revision", "outcome", "ok"));
        assertThat(reads).isGreaterThanOrEqualTo(1);
        assertThat(reads + revisions).as("one store call per read request, one read per PATCH").isEqualTo(4);
        assertThat(delta(before, after, STORE, Map.of("operation", "txn", "outcome", "ok"))).isEqualTo(2);
        assertThat(delta(before, after, STORE, Map.of("operation", "txn", "outcome", "conflict"))).isEqualTo(1);
        assertThat(delta(before, after, STORE, Map.of("outcome", "error"))).isZero();
    }

    @Test
    void timersAreHistogramsWithBuckets() {
        http.get("/hypervisors");
        Prometheus p = scrape();
        Map<String, String> series = Map.of("method", "GET", "route", "/hypervisors", "status", "200");
        var buckets = p.find("chypervisord_http_requests_seconds_bucket", series);
        assertThat(buckets).extracting(s -> s.labels().get("le")).contains("0.001", "0.1", "1.0", "10.0", "+Inf");
        double count = p.sum(REQUESTS, series);
        assertThat(buckets).filteredOn(s -> s.labels().get("le").equals("+Inf")).singleElement()
                .satisfies(s -> assertThat(s.value()).isEqualTo(count));
        double previous = 0;
        for (var b : buckets) {
            assertThat(b.value()).as("cumulative buckets").isGreaterThanOrEqualTo(previous);
            previous = b.value();
        }
        assertThat(p.find("chypervisord_http_requests_seconds_sum", series)).isNotEmpty();
        assertThat(p.find("chypervisord_store_operations_seconds_bucket", Map.of("operation", "read", "outcome", "ok")))
                .extracting(s -> s.labels().get("le")).contains("+Inf");
        assertThat(p.find(REQUESTS, Map.of())).allSatisfy(s ->
                assertThat(s.labels()).containsEntry("scope", "application"));
    }

    @Test
    void jvmBasicsAreExposed() {
        Prometheus p = scrape();
        assertThat(p.find("jvm_uptime_seconds", Map.of("scope", "base"))).singleElement()
                .satisfies(s -> assertThat(s.value()).isPositive());
        assertThat(p.find("jvm_memory_heap_used_bytes", Map.of("scope", "base"))).singleElement()
                .satisfies(s -> assertThat(s.value()).isPositive());
        assertThat(p.find("jvm_threads_live", Map.of("scope", "base"))).singleElement()
                .satisfies(s -> assertThat(s.value()).isPositive());
        assertThat(p.find("jvm_available_processors", Map.of("scope", "base"))).isNotEmpty();
        assertThat(p.find("jvm_gc_collections_total", Map.of("scope", "base"))).isNotEmpty();
        assertThat(p.find("jvm_gc_collection_seconds", Map.of("scope", "base"))).isNotEmpty();
        assertThat(p.find("jvm_classes_loaded", Map.of("scope", "base"))).isNotEmpty();
    }

    @Test
    @DisplayName("chypervisord_build_info is 1 with the version and commit of --version")
    void buildInfo() {
        BuildInfo build = BuildInfo.current();
        assertThat(scrape().find("chypervisord_build_info", Map.of("version", build.version(), "commit", build.commit())))
                .singleElement().satisfies(s -> assertThat(s.value()).isEqualTo(1.0));
    }

    @Test
    @DisplayName("every documented metric is there from the start: conflicts and store calls at zero")
    void documentedMetricsFromTheStart() {
        Prometheus p = scrape();
        for (String operation : List.of("update hypervisor", "delete hypervisor", "update config", "update subnets",
                "remove subnet")) {
            assertThat(p.find("chypervisord_conflicts_retried_total", Map.of("operation", operation)))
                    .as(operation).singleElement();
        }
        for (String outcome : List.of("ok", "conflict", "error")) {
            assertThat(p.find(STORE, Map.of("operation", "txn", "outcome", outcome))).as(outcome).singleElement();
        }
        assertThat(p.find(STORE, Map.of("operation", "read", "outcome", "error"))).singleElement();
    }

    /**
     * {@code promtool check metrics} finds no problem (exit 0, no output) in a scrape that has seen
     * every kind of answer. promtool comes from Debian's prometheus package (test.sh installs it);
     * without it the test is skipped, except under CI, where it fails. The scrape also passes
     * {@link PrometheusLint}, the same rules in Java, which runs everywhere.
     */
    @Test
    @DisplayName("promtool check metrics finds no problem")
    void promtoolFindsNoProblem() throws Exception {
        String id = UUID.randomUUID().toString();
        http.get("/hypervisors");
        http.send("POST", "/hypervisors", "{\"id\":\"" + id + "\"}");
        http.send("POST", "/hypervisors", "{\"id\":\"" + id + "\"}");
        http.send("PUT", "/hypervisors", "{}");
        http.send("OPTIONS", "/hypervisors", null);
        http.get("/observe/info");
        String text = http.send("GET", "/observe/metrics", null, "Accept", "text/plain").body();

        assertThat(PrometheusLint.problems(text)).isEmpty();

        java.nio.file.Path promtool = PrometheusLint.promtool();
        if (promtool == null) {
            assertThat(System.getenv("CI")).as("promtool is missing under CI: test.sh installs Debian's prometheus")
                    .isNotEqualTo("true");
            Assumptions.abort("promtool is not installed (Debian: apt-get install prometheus)");
        }
        PrometheusLint.Result r = PrometheusLint.runPromtool(promtool, text);
        assertThat(r.output()).as("promtool check metrics output").isEmpty();
        assertThat(r.exitCode()).as("promtool exit status; output:\n%s", r.output()).isZero();
    }

    /** Requests counted on every route    /** Requests counted on every route but the metrics scrapes themselves. */
    private static double apiRequests(Prometheus p) {
        return p.find(REQUESTS, Map.of()).stream()
                .filter(s -> !s.labels().get("route").equals("/observe/metrics"))
                .mapToDouble(Prometheus.Sample::value).sum();
    }

    /**
     * A scrape once the request count holds still: a request is recorded once its answer is sent,
     * so the last request of the test before may land after the client had its answer; on a
     * busy machine, after this test's first scrape.
     */
    private static Prometheus settledScrape() {
        Prometheus p = scrape();
        long giveUp = System.nanoTime() + java.time.Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < giveUp) {
            OpsHttp.sleep(200);
            Prometheus again = scrape();
            if (apiRequests(again) == apiRequests(p)) {
                return again;
            }
            p = again;
        }
        return p;
    }

    private static Prometheus scrapeUntil(java.util.function.Predicate<Prometheus> done) {
        long giveUp = System.nanoTime() + java.time.Duration.ofSeconds(60).toNanos();
        Prometheus p = scrape();
        while (!done.test(p) && System.nanoTime() < giveUp) {
            OpsHttp.sleep(50);
            p = scrape();
        }
        return p;
    }

    private static double delta(Prometheus before, Prometheus after, String name, Map<String, String> labels) {
        return after.sum(name, labels) - before.sum(name, labels);
    }
}
