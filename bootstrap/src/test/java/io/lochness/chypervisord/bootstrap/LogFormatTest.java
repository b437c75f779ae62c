package io.lochness.chypervisord.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class LogFormatTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static LogRecord record(Level level, String message, Throwable thrown, Object... params) {
        LogRecord r = new LogRecord(level, message);
        r.setLoggerName("chypervisord.test");
        r.setThrown(thrown);
        r.setParameters(params.length == 0 ? null : params);
        return r;
    }

    private static Throwable outage() {
        return new IllegalStateException("etcd read failed at 127.0.0.1:4001: no answer within 3.0 s",
                new java.io.IOException("Connection refused"));
    }

    @Test
    @DisplayName("an expected failure (below ERROR) stays on its one line, with the exception's message")
    void expectedFailureIsOneLine() {
        String text = new LogFormat().format(record(Level.WARNING, "GET /hypervisors failed", outage()));
        assertThat(text.lines()).hasSize(1);
        assertThat(text).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z WARN chypervisord\\.test: "
                + "GET /hypervisors failed \\(.*no answer within 3\\.0 s; cause: java\\.io\\.IOException: Connection refused\\)\\R");
        assertThat(new LogFormat().format(record(Level.FINE, "store call", outage())).lines()).hasSize(1);
    }

    @Test
    @DisplayName("a bug (an ERROR record, what answers 500) keeps its stack trace")
    void bugHasStackTrace() {
        String text = new LogFormat().format(record(Level.SEVERE, "unexpected failure", new IllegalStateException("boom")));
        assertThat(text.lines().count()).isGreaterThan(2);
        assertThat(text).contains("java.lang.IllegalStateException: boom", "\tat ");
    }

    @Test
    @DisplayName("json: one object per line with time, level, logger, message and the record's fields")
    void jsonLine() throws Exception {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("method", "GET");
        fields.put("path", "/hypervisors/\"x\"\n");
        fields.put("status", 200);
        fields.put("duration_ms", 1.5);
        fields.put("bytes", 42L);
        String line = new JsonLogFormat().format(record(Level.INFO, "GET /hypervisors 200 1.5ms 42B", null, fields));
        assertThat(line).endsWith("\n");
        assertThat(line.strip().lines()).hasSize(1);
        JsonNode json = JSON.readTree(line);
        assertThat(json.path("time").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
        assertThat(json.path("level").asText()).isEqualTo("INFO");
        assertThat(json.path("logger").asText()).isEqualTo("chypervisord.test");
        assertThat(json.path("message").asText()).isEqualTo("GET /hypervisors 200 1.5ms 42B");
        assertThat(json.path("path").asText()).isEqualTo("/hypervisors/\"x\"\n");
        assertThat(json.path("status").isInt()).isTrue();
        assertThat(json.path("status").asInt()).isEqualTo(200);
        assertThat(json.path("duration_ms").asDouble()).isEqualTo(1.5);
        assertThat(json.path("bytes").asLong()).isEqualTo(42);
    }

    @Test
    @DisplayName("json: an exception is an error field; a stack only on ERROR")
    void jsonErrors() throws Exception {
        JsonNode warn = JSON.readTree(new JsonLogFormat().format(record(Level.WARNING, "failed", outage())));
        assertThat(warn.path("error").asText()).contains("no answer within 3.0 s");
        assertThat(warn.has("stack")).isFalse();
        JsonNode error = JSON.readTree(new JsonLogFormat().format(
                record(Level.SEVERE, "unexpected", new IllegalStateException("boom"))));
        assertThat(error.path("level").asText()).isEqualTo("ERROR");
        assertThat(error.path("stack").asText()).contains("IllegalStateException: boom", "\tat ");
    }
}
