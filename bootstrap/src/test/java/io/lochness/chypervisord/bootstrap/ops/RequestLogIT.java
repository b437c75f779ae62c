package io.lochness.chypervisord.bootstrap.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The request log: one line per request at INFO (method, path, status, duration, bytes), shown
 * with {@code -l info}, hidden at the default {@code warn}; {@code -l debug} adds the store calls.
 * Runs the built jar as a process and reads its stderr once it has exited.
 */
class RequestLogIT {
    /** {@code 2026-11-27T00:13:38.585Z INFO chypervisord.requests: GET /hypervisors 200 61.9ms 420B}. */
    private static final String TIMESTAMP = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z";

    private static Pattern requestLine(String method, String path, int status) {
        return Pattern.compile("(?m)^" + TIMESTAMP + " INFO chypervisord\\.requests: " + method + " "
                + Pattern.quote(path) + " " + status + " \\d+\\.\\dms \\d+B$");
    }

    /** The body lengths of the last run's answers, by request line ("GET /hypervisors"). */
    private static final java.util.Map<String, Integer> BODY_BYTES = new java.util.concurrent.ConcurrentHashMap<>();

    /** Runs the jar with {@code args}, makes the requests, stops it with SIGTERM and returns its stderr. */
    private static String run(String id, String... args) {
        try (ChildProcess child = ChildProcess.start(args); OpsHttp http = new OpsHttp(child.port)) {
            child.awaitServing(http);
            var list = http.get("/hypervisors");
            assertThat(list.statusCode()).isEqualTo(200);
            BODY_BYTES.put("GET /hypervisors", list.body().getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
            var created = http.send("POST", "/hypervisors", "{\"id\":\"" + id + "\"}");
            assertThat(created.statusCode()).isEqualTo(201);
            BODY_BYTES.put("POST /hypervisors", created.body().getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
            var missing = http.get("/hypervisors/" + UUID.nameUUIDFromBytes(id.getBytes()));
            assertThat(missing.statusCode()).isEqualTo(404);
            BODY_BYTES.put("GET /hypervisors/{id}", missing.body().getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
            child.terminate();
            assertThat(child.awaitExit(Duration.ofSeconds(30))).as("exit status; stderr:\n%s", child.stderr()).isZero();
            return child.stderr();
        }
    }

    @Test
    void infoLogsOneLinePerRequest() {
        String id = UUID.randomUUID().toString();
        String stderr = run(id, "-l", "info");
        assertThat(stderr).containsPattern(requestLine("GET", "/hypervisors", 200));
        assertThat(stderr).containsPattern(requestLine("POST", "/hypervisors", 201));
        assertThat(stderr).containsPattern(requestLine("GET", "/hypervisors/" + UUID.nameUUIDFromBytes(id.getBytes()), 404));
        assertThat(stderr).as("the startup line").containsPattern(Pattern.compile(
                "(?m)^" + TIMESTAMP + " INFO \\S+Chypervisord: chypervisord listening on port \\d+ with the memory store"));
        assertThat(stderr).as("the stop line").containsPattern(Pattern.compile(
                "(?m)^" + TIMESTAMP + " INFO \\S+Main: stopping: finishing in-flight requests$"));
        assertThat(stderr).as("no store calls at info").doesNotContain("chypervisord.store:");
        assertEveryLineHasTimestampAndLevel(stderr);
        assertThat(stderr.lines().filter(l -> l.matches(TIMESTAMP + " \\S+ \\S+: .*")))
                .as("no library noise at info: only chypervisord's own loggers")
                .allSatisfy(l -> assertThat(l.split(" ")[2]).matches("(chypervisord|io\\.lochness\\.chypervisord)\\..*:"));
        // The bytes are the body's (what the client received), not the headers'.
        assertThat(stderr).containsPattern(Pattern.compile("(?m) GET /hypervisors 200 \\d+\\.\\dms "
                + BODY_BYTES.get("GET /hypervisors") + "B$"));
        assertThat(stderr).containsPattern(Pattern.compile("(?m) POST /hypervisors 201 \\d+\\.\\dms "
                + BODY_BYTES.get("POST /hypervisors") + "B$"));
        assertThat(stderr).containsPattern(Pattern.compile("(?m) GET /hypervisors/\\S+ 404 \\d+\\.\\dms "
                + BODY_BYTES.get("GET /hypervisors/{id}") + "B$"));
    }

    @Test
    @DisplayName("streamed answers (a long list, health) log the bytes of their body, not of the headers or chunks")
    void streamedBodiesAreCountedExactly() {
        String stderr;
        int list;
        int ready;
        try (ChildProcess child = ChildProcess.start("-l", "info"); OpsHttp http = new OpsHttp(child.port)) {
            child.awaitServing(http);
            for (int i = 0; i < 100; i++) {
                assertThat(http.send("POST", "/hypervisors", "{}").statusCode()).isEqualTo(201);
            }
            var all = http.get("/hypervisors");
            assertThat(all.headers().firstValue("Content-Length")).as("streamed, so chunked").isEmpty();
            list = all.body().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
            assertThat(list).as("a list long enough to be flushed in several chunks").isGreaterThan(16_000);
            ready = http.get("/observe/health/ready").body().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
            child.terminate();
            assertThat(child.awaitExit(Duration.ofSeconds(30))).isZero();
            stderr = child.stderr();
        }
        assertThat(stderr).containsPattern(Pattern.compile("(?m) GET /hypervisors 200 \\d+\\.\\dms " + list + "B$"));
        assertThat(stderr).containsPattern(Pattern.compile("(?m) GET /observe/health/ready 200 \\d+\\.\\dms " + ready + "B$"));
    }

    @Test
    @DisplayName("--log-format json: one JSON object per line, the request's fields as fields")
    void jsonLogsOneObjectPerLine() throws Exception {
        String id = UUID.randomUUID().toString();
        String stderr = run(id, "-l", "debug", "--log-format", "json");
        List<com.fasterxml.jackson.databind.JsonNode> records = new java.util.ArrayList<>();
        for (String line : stderr.lines().filter(l -> !l.isBlank() && !l.startsWith("WARNING: ")).toList()) {
            com.fasterxml.jackson.databind.JsonNode json = OpsHttp.JSON.readTree(line);
            assertThat(json.isObject()).as(line).isTrue();
            assertThat(json.path("time").asText()).as(line).matches(TIMESTAMP);
            assertThat(json.path("level").asText()).as(line).isIn("DEBUG", "INFO", "WARN", "ERROR");
            assertThat(json.path("logger").asText()).as(line).isNotEmpty();
            assertThat(json.has("message")).as(line).isTrue();
            records.add(json);
        }
        assertThat(records).anySatisfy(r -> {
            assertThat(r.path("logger").asText()).isEqualTo("chypervisord.requests");
            assertThat(r.path("method").asText()).isEqualTo("POST");
            assertThat(r.path("path").asText()).isEqualTo("/hypervisors");
            assertThat(r.path("status").asInt()).isEqualTo(201);
            assertThat(r.path("duration_ms").isNumber()).isTrue();
            assertThat(r.path("bytes").asInt()).isEqualTo(BODY_BYTES.get("POST /hypervisors"));
        });
        assertThat(records).filteredOn(r -> r.path("logger").asText().equals("chypervisord.store"))
                .isNotEmpty()
                .allSatisfy(r -> {
                    assertThat(r.path("store").asText()).isEqualTo("memory");
                    assertThat(r.path("operation").asText()).isIn("read", "revision", "txn");
                    assertThat(r.path("outcome").asText()).isIn("ok", "conflict");
                });
    }

    @Test
    void defaultWarnLogsNoRequests() {
        String stderr = run(UUID.randomUUID().toString());
        assertThat(stderr).doesNotContain("chypervisord.requests");
        // Only the audit trail is at INFO whatever the level (one line per write: the POST).
        assertThat(stderr.lines().filter(l -> !l.contains(" INFO chypervisord.audit: "))).noneMatch(l -> l.contains(" INFO "));
        assertThat(stderr).containsPattern(Pattern.compile("(?m)^" + TIMESTAMP
                + " INFO chypervisord\\.audit: who=anonymous method=POST path=/hypervisors status=201 revision=\\d+$"));
        // The one warning of the in-memory store, with its level and timestamp.
        assertThat(stderr).containsPattern(Pattern.compile("(?m)^" + TIMESTAMP + " WARN \\S+MemoryStoreModule: "));
        assertEveryLineHasTimestampAndLevel(stderr);
    }

    @Test
    void debugAlsoLogsStoreCalls() {
        String id = UUID.randomUUID().toString();
        String stderr = run(id, "-l", "debug");
        assertThat(stderr).containsPattern(requestLine("POST", "/hypervisors", 201));
        // The registry view's load (a paged read) and the revision call of each read it serves.
        assertThat(stderr).containsPattern(Pattern.compile(
                "(?m)^" + TIMESTAMP + " DEBUG chypervisord\\.store: memory read lochness/hypervisors/ page after null at 0: \\d+ keys in \\d+\\.\\dms$"));
        assertThat(stderr).containsPattern(Pattern.compile(
                "(?m)^" + TIMESTAMP + " DEBUG chypervisord\\.store: memory revision current: revision \\d+ in \\d+\\.\\dms$"));
        assertThat(stderr).containsPattern(Pattern.compile(
                "(?m)^" + TIMESTAMP + " DEBUG chypervisord\\.store: memory txn \\d+ ops: committed at \\d+ in \\d+\\.\\dms$"));
    }

    /** Every log record starts with a timestamp and a level (continuation lines of a record aside). */
    private static void assertEveryLineHasTimestampAndLevel(String stderr) {
        List<String> records = stderr.lines().filter(l -> !l.isBlank() && !l.startsWith("\t") && !l.startsWith("Caused by")
                && !l.startsWith("WARNING: ") /* the JVM's own warnings, not log records */).toList();
        assertThat(records).isNotEmpty().allSatisfy(l ->
                assertThat(l).matches(TIMESTAMP + " (ERROR|WARN|INFO|DEBUG) \\S+: .*"));
    }
}
