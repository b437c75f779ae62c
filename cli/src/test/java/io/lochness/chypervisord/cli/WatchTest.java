package io.lochness.chypervisord.cli;

import static io.lochness.chypervisord.cli.FakeService.events;
import static io.lochness.chypervisord.cli.FakeService.json;
import static io.lochness.chypervisord.cli.HvRunner.lines;
import static io.lochness.chypervisord.cli.TestRecords.A;
import static io.lochness.chypervisord.cli.TestRecords.B;
import static io.lochness.chypervisord.cli.TestRecords.record;
import static org.assertj.core.api.Assertions.assertThat;

import io.lochness.chypervisord.cli.HvRunner.Result;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * hv watch against a recorded change feed in the format of the service's feed (issue 10): events
 * {@code ADDED}, {@code SYNCED}, {@code MODIFIED}, {@code DELETED} with {@code id: REVISION} and one
 * JSON object as data; reconnecting with {@code Last-Event-ID}; 410 Gone; a service without a feed.
 */
class WatchTest {
    private static final String ADDED_A = "{\"type\":\"ADDED\",\"revision\":41,\"hypervisor\":" + record(A)
            + ",\"config\":{},\"subnets\":{},\"guests\":[],\"alive\":false}";
    private static final String ADDED_B = "{\"type\":\"ADDED\",\"revision\":41,\"hypervisor\":" + record(B)
            + ",\"config\":{},\"subnets\":{},\"guests\":[],\"alive\":true}";
    private static final String SYNCED = "{\"type\":\"SYNCED\",\"revision\":41}";
    private static final String MODIFIED_A = "{\"type\":\"MODIFIED\",\"revision\":42,\"hypervisor\":"
            + record(A, "10.100.101.34", "10.0.0.254") + ",\"config\":{\"foo\":\"bar\"},\"subnets\":{},\"guests\":[],\"alive\":false}";
    private static final String DELETED_B = "{\"type\":\"DELETED\",\"revision\":43,\"hypervisor\":" + record(B)
            + ",\"config\":{},\"subnets\":{},\"guests\":[],\"alive\":true}";

    /** The initial state: two ADDED and SYNCED (the reconnection delay set short with retry:). */
    private static final String INITIAL = ": chypervisord change feed\nretry: 10\n\n"
            + "event: ADDED\nid: 41\ndata: " + ADDED_A + "\n\n"
            + "event: ADDED\nid: 41\ndata: " + ADDED_B + "\n\n"
            + "event: SYNCED\nid: 41\ndata: " + SYNCED + "\n\n";
    /** Then changes; the DELETED's data comes on two data: lines. */
    private static final String CHANGES = ":\n\n"
            + "event: MODIFIED\nid: 42\ndata: " + MODIFIED_A + "\n\n"
            + "event: DELETED\nid: 43\ndata: " + DELETED_B.replace(",\"config\"", "\ndata: ,\"config\"") + "\n\n";
    private static final String STOP = "{\"message\":\"stop here\",\"code\":400}";

    private final FakeService feed = FakeService.http();
    private final HvRunner hv = new HvRunner(feed.url());

    @AfterEach
    void stop() {
        feed.close();
    }

    @Test
    @DisplayName("human view: TYPE ID a line; the feed's end ends hv watch --no-reconnect with status 0")
    void humanView() {
        feed.then(events(INITIAL + CHANGES));
        Result result = hv.run("watch", "--no-reconnect");
        assertThat(result.err()).isEmpty();
        assertThat(result.out()).isEqualTo(lines("ADDED " + A, "ADDED " + B, "SYNCED", "MODIFIED " + A, "DELETED " + B));
        assertThat(result.status()).isZero();
        FakeService.Request request = feed.requests().get(0);
        assertThat(request.target()).isEqualTo("/hypervisors?watch=true");
        assertThat(request.header("Accept")).isEqualTo("text/event-stream");
        assertThat(request.header("Last-Event-ID")).isNull();
    }

    @Test
    @DisplayName("-j: each event's data JSON on one line")
    void jsonView() {
        feed.then(events(INITIAL + CHANGES));
        Result result = hv.run("-j", "watch", "--no-reconnect");
        assertThat(result.err()).isEmpty();
        assertThat(result.out()).isEqualTo(lines(ADDED_A, ADDED_B, SYNCED, MODIFIED_A, DELETED_B));
        assertThat(result.status()).isZero();
    }

    @Test
    @DisplayName("filters go to the feed as query parameters; --since as Last-Event-ID")
    void filtersAndSince() {
        feed.then(events(CHANGES));
        Result result = hv.run("watch", "--no-reconnect", "-f", "metadata.rack=r 12", "--filter", "alive=true", "--since", "41");
        assertThat(result.out()).isEqualTo(lines("MODIFIED " + A, "DELETED " + B));
        FakeService.Request request = feed.requests().get(0);
        assertThat(request.target()).isEqualTo("/hypervisors?watch=true&metadata.rack=r%2012&alive=true");
        assertThat(request.header("Last-Event-ID")).isEqualTo("41");
    }

    @Test
    @DisplayName("a dropped stream is resumed with Last-Event-ID: the last id seen; nothing printed twice")
    void reconnectsWithLastEventId() {
        feed.then(events(INITIAL)).then(events(CHANGES)).then(json(400, STOP));
        Result result = hv.run("watch");
        assertThat(result.out()).isEqualTo(lines("ADDED " + A, "ADDED " + B, "SYNCED", "MODIFIED " + A, "DELETED " + B));
        assertThat(result.err()).isEqualTo(lines("hv: 400 stop here"));
        assertThat(result.status()).isEqualTo(1);
        List<FakeService.Request> requests = feed.requests();
        assertThat(requests).hasSize(3);
        assertThat(requests.get(0).header("Last-Event-ID")).isNull();
        assertThat(requests.get(1).header("Last-Event-ID")).isEqualTo("41");
        assertThat(requests.get(2).header("Last-Event-ID")).isEqualTo("43");
    }

    @Test
    @DisplayName("410 Gone for a revision older than the history: one line, then again from the current state")
    void goneStartsAgain() {
        feed.then(json(410, "{\"message\":\"revision 3 is older than the history kept\",\"code\":410}"))
                .then(events(INITIAL)).then(json(400, STOP));
        Result result = hv.run("watch", "--since", "3");
        assertThat(result.out()).isEqualTo(lines("ADDED " + A, "ADDED " + B, "SYNCED"));
        assertThat(result.err()).isEqualTo(lines(
                "hv: 410 revision 3 is older than the history kept; starting again from the current state",
                "hv: 400 stop here"));
        assertThat(feed.requests().get(0).header("Last-Event-ID")).isEqualTo("3");
        assertThat(feed.requests().get(1).header("Last-Event-ID")).isNull();
    }

    @Test
    @DisplayName("503 is retried (after the stream's retry delay); the stream then goes on")
    void unavailableIsRetried() {
        feed.then(json(503, "{\"message\":\"store unavailable\",\"code\":503}")).then(events(INITIAL))
                .then(json(400, STOP));
        Result result = hv.run("watch");
        assertThat(result.out()).isEqualTo(lines("ADDED " + A, "ADDED " + B, "SYNCED"));
        assertThat(result.err()).isEqualTo(lines("hv: 400 stop here"));
        assertThat(feed.requests()).hasSize(3);
    }

    @Test
    @DisplayName("a stream that stalls (nothing, not even a comment, for --idle-timeout) is resumed with Last-Event-ID")
    void stalledStreamIsResumed() {
        feed.then(FakeService.stalledEvents(INITIAL)).then(events(CHANGES)).then(json(400, STOP));
        Result result = hv.run("watch", "--idle-timeout", "1");
        assertThat(result.out()).isEqualTo(lines("ADDED " + A, "ADDED " + B, "SYNCED", "MODIFIED " + A, "DELETED " + B));
        assertThat(result.err()).isEqualTo(lines("hv: 400 stop here"));
        assertThat(feed.requests().get(1).header("Last-Event-ID")).isEqualTo("41");
    }

    @Test
    @DisplayName("a stream that stalls, with --no-reconnect: one line, status 1")
    void stalledStreamWithoutReconnect() {
        feed.then(FakeService.stalledEvents(INITIAL));
        Result result = hv.run("watch", "--idle-timeout", "1", "--no-reconnect");
        assertThat(result.out()).isEqualTo(lines("ADDED " + A, "ADDED " + B, "SYNCED"));
        assertThat(result.err()).isEqualTo(lines("hv: the change feed sent nothing for 1 s"));
        assertThat(result.status()).isEqualTo(1);
    }

    @Test
    @DisplayName("standard output closed (hv watch | head -1): hv watch stops at once, status 0")
    void stopsWhenOutputCloses() throws Exception {
        feed.then(FakeService.stalledEvents(INITIAL));
        Writer closedPipe = new Writer() {
            @Override
            public void write(char[] buffer, int offset, int length) throws IOException {
                throw new IOException("Broken pipe");
            }

            @Override
            public void flush() throws IOException {
                throw new IOException("Broken pipe");
            }

            @Override
            public void close() {}
        };
        StringWriter err = new StringWriter();
        Io io = new Io(InputStream.nullInputStream(), true, new PrintWriter(closedPipe),
                new PrintWriter(err), Map.of("HV_SERVER", feed.url()));
        // Without the check, hv would wait for the stalled stream's idle timeout (45 s) and beyond.
        int status = CompletableFuture.supplyAsync(() -> Hv.run(new String[] {"watch"}, io))
                .get(20, TimeUnit.SECONDS);
        assertThat(status).isZero();
        assertThat(err.toString()).isEmpty();
        assertThat(feed.requests()).hasSize(1);
    }

    @Test
    @DisplayName("an event whose data is not JSON: one line, the other events still printed, status 1")
    void eventNotJson() {
        feed.then(events("event: ADDED\nid: 40\ndata: not json\n\n" + CHANGES));
        Result result = hv.run("watch", "--no-reconnect");
        assertThat(result.out()).isEqualTo(lines("MODIFIED " + A, "DELETED " + B));
        assertThat(result.err()).isEqualTo(lines("hv: an event whose data is not JSON: not json"));
        assertThat(result.status()).isEqualTo(1);
    }

    @Test
    @DisplayName("a service without the feed (a JSON list for ?watch=true): one line, status 1")
    void serviceWithoutFeed() {
        feed.then(json(200, "[]"));
        Result result = hv.run("watch");
        assertThat(result.out()).isEmpty();
        assertThat(result.err()).isEqualTo(lines("hv: the service has no change feed: GET /hypervisors?watch=true "
                + "answered application/json, not text/event-stream"));
        assertThat(result.status()).isEqualTo(1);
        assertThat(feed.requests()).hasSize(1);
    }

    @Test
    @DisplayName("an unreachable service: one line after " + WatchCommand.ATTEMPTS + " attempts (at once with --no-reconnect)")
    void unreachable() {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        HvRunner nowhere = new HvRunner("http://127.0.0.1:" + port);
        String refused = lines("hv: cannot reach http://127.0.0.1:" + port + ": connection refused");
        Result once = nowhere.run("watch", "--no-reconnect");
        assertThat(once.err()).isEqualTo(refused);
        assertThat(once.status()).isEqualTo(1);
        Result retried = nowhere.run("watch");
        assertThat(retried.err()).isEqualTo(refused);
        assertThat(retried.out()).isEmpty();
        assertThat(retried.status()).isEqualTo(1);
    }
}
