package io.lochness.chypervisord.bootstrap.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;
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

    /** Runs the jar with {@code args}, makes the requests, stops it with SIGTERM and returns its stderr. */
    private static String run(String id, String... args) {
        try (ChildProcess child = ChildProcess.start(args); OpsHttp http = new OpsHttp(child.port)) {
            child.awaitServing(http);
            assertThat(http.get("/hypervisors").statusCode()).isEqualTo(200);
            assertThat(http.send("POST", "/hypervisors", "{\"id\":\"" + id + "\"}").statusCode()).isEqualTo(201);
            assertThat(http.get("/hypervisors/" + UUID.nameUUIDFromBytes(id.getBytes())).statusCode()).isEqualTo(404);
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
        assertThat(stderr).containsPattern(Pattern.compile(
                "(?m)^" + TIMESTAMP + " DEBUG chypervisord\\.store: memory read lochness/hypervisors/ \\(keys ending /metadata\\): \\d+ keys in \\d+\\.\\dms$"));
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
