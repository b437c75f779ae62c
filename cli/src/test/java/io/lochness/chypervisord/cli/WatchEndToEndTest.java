package io.lochness.chypervisord.cli;

import static io.lochness.chypervisord.cli.TestRecords.A;
import static io.lochness.chypervisord.cli.TestRecords.B;
import static io.lochness.chypervisord.cli.TestRecords.spec;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * hv watch against the real service's change feed: changes made with hv arrive as lines, in order.
 *
 */
class WatchEndToEndTest {
    private RealService service;
    private HvRunner hv;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final StringWriter err = new StringWriter();
    private CompletableFuture<Integer> watch;

    @BeforeEach
    void start() {
        service = RealService.memory();
        hv = new HvRunner(service.url());
    }

    @AfterEach
    void stop() throws Exception {
        service.close();
        if (watch != null) {
            // the service's graceful stop ends the stream cleanly: hv watch --no-reconnect exits 0
            assertThat(watch.get(60, TimeUnit.SECONDS)).as(err.toString()).isZero();
        }
    }

    /** Starts hv watch in the background; its standard output, line by line, goes to {@link #lines}. */
    private void watch(String... args) {
        List<String> all = new ArrayList<>(List.of("-s", service.url(), "watch", "--no-reconnect"));
        all.addAll(List.of(args));
        Io io = new Io(InputStream.nullInputStream(), true, new PrintWriter(new LineWriter(lines)), new PrintWriter(err),
                Map.of());
        watch = CompletableFuture.supplyAsync(() -> Hv.run(all.toArray(String[]::new), io));
    }

    /** The next line of hv watch (up to 30 s; at once a failure when hv watch has ended). */
    private String next() throws InterruptedException {
        long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < giveUp) {
            String line = lines.poll(200, TimeUnit.MILLISECONDS);
            if (line != null) {
                return line;
            }
            assertThat(watch.isDone()).as("hv watch ended early; stderr: %s", err).isFalse();
        }
        throw new AssertionError("no line from hv watch within 30 s; stderr: " + err);
    }

    @Test
    @DisplayName("the initial state (ADDED each, SYNCED), then hv's own changes, one line each, in order")
    void humanView() throws Exception {
        hv.run("create", spec(A));
        watch();
        assertThat(next()).isEqualTo("ADDED " + A);
        assertThat(next()).isEqualTo("SYNCED");
        hv.run("create", spec(B));
        assertThat(next()).isEqualTo("ADDED " + B);
        hv.run("modify", A, "{\"gateway\":\"10.0.0.254\"}");
        assertThat(next()).isEqualTo("MODIFIED " + A);
        hv.run("config", "modify", B, "{\"k\":\"v\"}");
        assertThat(next()).isEqualTo("MODIFIED " + B);
        hv.run("delete", A);
        assertThat(next()).isEqualTo("DELETED " + A);
    }

    @Test
    @DisplayName("-j: each event's JSON with its type, increasing revisions and the record's state")
    void jsonView() throws Exception {
        watch("-j");
        assertThat(RealService.json(next()).get("type").asText()).isEqualTo("SYNCED");
        hv.run("create", spec(A));
        JsonNode added = RealService.json(next());
        hv.run("subnets", "modify", A, "{\"" + TestRecords.SUBNET_1 + "\":\"br0\"}");
        JsonNode modified = RealService.json(next());
        assertThat(added.get("type").asText()).isEqualTo("ADDED");
        assertThat(added.get("hypervisor").get("id").asText()).isEqualTo(A);
        assertThat(modified.get("type").asText()).isEqualTo("MODIFIED");
        assertThat(modified.get("subnets").get(TestRecords.SUBNET_1).asText()).isEqualTo("br0");
        assertThat(modified.get("revision").asLong()).isGreaterThan(added.get("revision").asLong());
    }

    @Test
    @DisplayName("with a filter, only the hypervisors that match")
    void filtered() throws Exception {
        watch("-f", "metadata.rack=r1");
        assertThat(next()).isEqualTo("SYNCED");
        hv.run("create", spec(B));
        hv.run("create", spec(A).replace("\"metadata\":{}", "\"metadata\":{\"rack\":\"r1\"}"));
        assertThat(next()).isEqualTo("ADDED " + A);
    }

    /** A Writer that hands over each complete line. */
    private static final class LineWriter extends Writer {
        private final BlockingQueue<String> lines;
        private final StringBuilder pending = new StringBuilder();

        LineWriter(BlockingQueue<String> lines) {
            this.lines = lines;
        }

        @Override
        public synchronized void write(char[] buffer, int offset, int length) {
            for (int i = offset; i < offset + length; i++) {
                char c = buffer[i];
                if (c == '\n') {
                    lines.add(pending.toString().replace("\r", ""));
                    pending.setLength(0);
                } else {
                    pending.append(c);
                }
            }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    }
}
