package io.lochness.chypervisord.adapter.in.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.helidon.webserver.WebServer;
import io.lochness.chypervisord.adapter.out.kv.ChangeFeed;
import io.lochness.chypervisord.adapter.out.kv.KvHypervisorRepository;
import io.lochness.chypervisord.adapter.out.kv.RegistryView;
import io.lochness.chypervisord.adapter.out.kv.spi.KeyValueStore;
import io.lochness.chypervisord.adapter.out.kv.spi.Txn;
import io.lochness.chypervisord.adapter.out.kv.spi.TxnResult;
import io.lochness.chypervisord.domain.service.HypervisorRegistry;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Filters and pages on {@code GET /hypervisors}, and the change feed ({@code watch=true}), over a
 * real Helidon server on each store. Every test tags its records with a fresh metadata value and
 * filters on it, so tests sharing a store do not see each other's records.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class ListAndFeedContract {
    protected static final ObjectMapper MAPPER = new ObjectMapper();
    static final String SUBNET_A = "c6430cba-648a-41aa-aee4-b59dacfc790d";
    static final String SUBNET_B = "d6430cba-648a-41aa-aee4-b59dacfc790e";

    private KeyValueStore store;
    private RegistryView view;
    private ChangeFeed feed;
    private WebServer server;
    private HttpClient client;
    protected URI base;

    protected abstract KeyValueStore createStore();

    /** Whether the service runs with the view (and so the feed). */
    protected boolean viewEnabled() {
        return true;
    }

    /** The feed under test; subclasses may size it (history, buffer) for their cases. */
    protected ChangeFeed createFeed(RegistryView view) {
        return new ChangeFeed(view);
    }

    @BeforeAll
    void startServer() {
        store = createStore();
        if (viewEnabled()) {
            view = new RegistryView(store, 1_000, Duration.ofSeconds(2));
            feed = createFeed(view);
            view.start();
        }
        server = HypervisorHttpService.configure(WebServer.builder().port(0).host("127.0.0.1"),
                        new HypervisorRegistry(new KvHypervisorRepository(store, view, feed)), JsonMapper.create(),
                        r -> { })
                .build()
                .start();
        base = URI.create("http://127.0.0.1:" + server.port());
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
    }

    @AfterAll
    void stopServer() {
        if (feed != null) {
            feed.close();
        }
        if (server != null) {
            server.stop();
        }
        if (client != null) {
            client.close();
        }
        if (view != null) {
            view.close();
        }
        if (store != null) {
            store.close();
        }
    }

    /** The feed's tests are skipped (reported so) on a service without the view. */
    protected void assumeFeed() {
        org.junit.jupiter.api.Assumptions.assumeTrue(viewEnabled(), "no change feed without the view");
    }

    protected ChangeFeed feed() {
        return feed;
    }

    protected KeyValueStore store() {
        return store;
    }

    // ---------------------------------------------------------------- helpers

    protected record Resp(int status, Map<String, List<String>> headers, String body) {
        JsonNode json() {
            return tree(body);
        }

        String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().get(0)).findFirst().orElse(null);
        }
    }

    protected Resp send(String method, String path, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        try {
            HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Resp(r.statusCode(), r.headers().map(), r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + path, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    protected Resp get(String path) {
        return send("GET", path, null);
    }

    static JsonNode tree(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new AssertionError("not JSON: " + json, e);
        }
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** Creates a record tagged {@code tag} with the given extra fields (JSON members); returns its id. */
    protected String create(String tag, String fields) {
        String id = UUID.randomUUID().toString();
        String body = "{\"id\":\"" + id + "\",\"metadata\":{\"tag\":\"" + tag + "\"}" + (fields.isEmpty() ? "" : "," + fields) + "}";
        Resp r = send("POST", "/hypervisors", body);
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        return id;
    }

    protected List<String> ids(String query) {
        Resp r = get("/hypervisors?" + query);
        assertThat(r.status()).as(query + " -> " + r.body()).isEqualTo(200);
        List<String> out = new ArrayList<>();
        r.json().forEach(h -> out.add(h.get("id").asText()));
        return out;
    }

    protected void rawPut(String key, String value) {
        TxnResult r = store.commit(new Txn(List.of(), List.of(new Txn.Put(key, value))));
        assertThat(r.committed()).isTrue();
    }

    protected void rawDelete(String key) {
        TxnResult r = store.commit(new Txn(List.of(), List.of(new Txn.Delete(key))));
        assertThat(r.committed()).isTrue();
    }

    static String tag() {
        return "t" + UUID.randomUUID().toString().substring(0, 8);
    }

    // ---------------------------------------------------------------- filters

    @Test
    @DisplayName("ip and mac filters compare canonical forms and leave out other addresses")
    void ipAndMac() {
        String tag = tag();
        String a = create(tag, "\"ip\":\"10.1.2.3\",\"mac\":\"01:23:45:67:89:ab\"");
        String b = create(tag, "\"ip\":\"2001:db8::1\",\"mac\":\"01:23:45:67:89:ac\"");
        assertThat(ids("metadata.tag=" + tag + "&mac=01-23-45-67-89-AB")).containsExactly(a);
        assertThat(ids("metadata.tag=" + tag + "&mac=0123.4567.89ac")).containsExactly(b);
        assertThat(ids("metadata.tag=" + tag + "&ip=2001:0DB8:0:0:0:0:0:1")).containsExactly(b);
        assertThat(ids("metadata.tag=" + tag + "&ip=10.1.2.3")).containsExactly(a);
        assertThat(ids("metadata.tag=" + tag + "&ip=10.1.2.4")).isEmpty();
    }

    @Test
    @DisplayName("metadata.KEY=VALUE, repeated: every one must hold")
    void metadata() {
        String tag = tag();
        String a = create(tag, "\"ip\":\"10.0.0.1\"");
        Resp patched = send("PATCH", "/hypervisors/" + a, "{\"metadata\":{\"tag\":\"" + tag + "\",\"rack\":\"r 1\"}}");
        assertThat(patched.status()).isEqualTo(200);
        String b = create(tag, "");
        assertThat(ids("metadata.tag=" + tag)).containsExactlyInAnyOrder(a, b);
        assertThat(ids("metadata.tag=" + tag + "&metadata.rack=" + enc("r 1"))).containsExactly(a);
        assertThat(ids("metadata.tag=" + tag + "&metadata.rack=r2")).isEmpty();
    }

    @Test
    @DisplayName("alive follows the heartbeat key: put makes it true, delete false")
    void alive() {
        String tag = tag();
        String a = create(tag, "");
        String b = create(tag, "");
        rawPut("lochness/hypervisors/" + a + "/heartbeat", "1");
        assertThat(ids("metadata.tag=" + tag + "&alive=true")).containsExactly(a);
        assertThat(ids("metadata.tag=" + tag + "&alive=false")).containsExactly(b);
        rawDelete("lochness/hypervisors/" + a + "/heartbeat");
        assertThat(ids("metadata.tag=" + tag + "&alive=true")).isEmpty();
    }

    @Test
    @DisplayName("min_available_* compare unsigned: 2^64-1 is the most memory, not -1")
    void minAvailable() {
        String tag = tag();
        // The API takes memory up to 2^63-1; agents store wrapped unsigned values straight into the store.
        String big = create(tag, "\"available_resources\":{\"memory\":7777777,\"disk\":100,\"cpu\":4}");
        String key = "lochness/hypervisors/" + big + "/metadata";
        String stored = store().read(key).entries().get(0).value();
        assertThat(stored).contains("7777777");
        rawPut(key, stored.replace("7777777", "18446744073709551615"));
        String small = create(tag, "\"available_resources\":{\"memory\":4294967296,\"disk\":10,\"cpu\":1}");
        assertThat(ids("metadata.tag=" + tag + "&min_available_memory=4294967296")).containsExactlyInAnyOrder(big, small);
        assertThat(ids("metadata.tag=" + tag + "&min_available_memory=9223372036854775808")).containsExactly(big);
        assertThat(ids("metadata.tag=" + tag + "&min_available_memory=18446744073709551615")).containsExactly(big);
        assertThat(ids("metadata.tag=" + tag + "&min_available_disk=11")).containsExactly(big);
        assertThat(ids("metadata.tag=" + tag + "&min_available_cpu=2")).containsExactly(big);
        assertThat(ids("metadata.tag=" + tag + "&min_available_cpu=5")).isEmpty();
    }

    @Test
    @DisplayName("subnet=ID: only hypervisors with that subnet assigned")
    void subnet() {
        String tag = tag();
        String a = create(tag, "");
        String b = create(tag, "");
        assertThat(send("PATCH", "/hypervisors/" + a + "/subnets", "{\"" + SUBNET_A + "\":\"br0\"}").status()).isEqualTo(200);
        assertThat(ids("metadata.tag=" + tag + "&subnet=" + SUBNET_A.toUpperCase())).containsExactly(a);
        assertThat(ids("metadata.tag=" + tag + "&subnet=" + SUBNET_B)).isEmpty();
        assertThat(ids("metadata.tag=" + tag)).containsExactlyInAnyOrder(a, b);
    }

    @Test
    @DisplayName("an unknown, repeated or bad parameter answers 400 naming it")
    void badParameters() {
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("ipp=10.0.0.1", "ipp");
        cases.put("ip=10.0.0.1&ip=10.0.0.2", "ip");
        cases.put("ip=10.0.0.256", "ip");
        cases.put("mac=zz", "mac");
        cases.put("alive=yes", "alive");
        cases.put("min_available_memory=-1", "min_available_memory");
        cases.put("min_available_memory=18446744073709551616", "min_available_memory");
        cases.put("min_available_cpu=4294967296", "min_available_cpu");
        cases.put("subnet=nope", "subnet");
        cases.put("limit=0", "limit");
        cases.put("limit=10001", "limit");
        cases.put("limit=ten", "limit");
        cases.put("after=xyz", "after");
        cases.put("metadata.=x", "metadata.");
        cases.put("since=5", "since");
        cases.put("watch=maybe", "watch");
        cases.put("watch=true&limit=5", "limit");
        cases.put("watch=true&since=x", "since");
        cases.forEach((query, name) -> {
            Resp r = get("/hypervisors?" + query);
            assertThat(r.status()).as(query + " -> " + r.body()).isEqualTo(400);
            assertThat(r.json().get("code").asInt()).isEqualTo(400);
            assertThat(r.json().get("message").asText()).as(query).contains(name);
        });
    }

    @Test
    @DisplayName("without parameters the list is the whole array, no Link")
    void noParameters() {
        String tag = tag();
        String a = create(tag, "");
        Resp r = get("/hypervisors");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Link")).isNull();
        List<String> all = new ArrayList<>();
        r.json().forEach(h -> all.add(h.get("id").asText()));
        assertThat(all).contains(a);
    }

    // ---------------------------------------------------------------- pages

    private static final Pattern NEXT = Pattern.compile("^<([^>]+)>; rel=\"next\"$");

    /** Follows the Link headers from {@code first}; returns every id in order. */
    protected List<String> pages(String first, int limit) {
        return pages(first, limit, () -> { });
    }

    /** {@link #pages(String, int)}, running {@code beforeNextPage} before each page after the first. */
    protected List<String> pages(String first, int limit, Runnable beforeNextPage) {
        List<String> out = new ArrayList<>();
        String path = first;
        int pages = 0;
        while (path != null) {
            if (pages > 0) {
                beforeNextPage.run();
            }
            Resp r = get(path);
            assertThat(r.status()).as(path + " -> " + r.body()).isEqualTo(200);
            assertThat(r.json().size()).isLessThanOrEqualTo(limit);
            r.json().forEach(h -> out.add(h.get("id").asText()));
            String link = r.header("Link");
            if (link == null) {
                path = null;
            } else {
                Matcher m = NEXT.matcher(link);
                assertThat(m.matches()).as(link).isTrue();
                path = m.group(1);
                assertThat(path).contains("limit=" + limit).startsWith("/hypervisors?");
            }
            assertThat(++pages).isLessThan(10_000);
        }
        return out;
    }

    @Test
    @DisplayName("limit and after: sorted by id, Link to the next page with the same filters, none on the last")
    void paging() {
        String tag = tag();
        List<String> made = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            made.add(create(tag, ""));
        }
        made.sort(null);
        Resp first = get("/hypervisors?metadata.tag=" + tag + "&limit=3");
        assertThat(first.header("Link")).startsWith("</hypervisors?").contains("metadata.tag=" + tag + "&")
                .contains("limit=3&").endsWith("&after=" + made.get(2) + ">; rel=\"next\"");
        assertThat(pages("/hypervisors?metadata.tag=" + tag + "&limit=3", 3)).containsExactlyElementsOf(made);
        assertThat(pages("/hypervisors?metadata.tag=" + tag + "&limit=7", 7)).containsExactlyElementsOf(made);
        assertThat(get("/hypervisors?metadata.tag=" + tag + "&limit=7").header("Link")).isNull();
        assertThat(ids("metadata.tag=" + tag + "&after=" + made.get(4))).containsExactlyElementsOf(made.subList(5, 7));
    }

    @Test
    @DisplayName("paging while writers insert and delete returns every hypervisor that existed throughout exactly once")
    void pagingUnderWrites() throws Exception {
        String tag = tag();
        List<String> stable = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            stable.add(create(tag, ""));
        }
        AtomicBoolean stop = new AtomicBoolean();
        Set<String> churned = java.util.concurrent.ConcurrentHashMap.newKeySet();
        java.util.concurrent.atomic.AtomicInteger writes = new java.util.concurrent.atomic.AtomicInteger();
        Thread writer = Thread.ofPlatform().start(() -> {
            for (int i = 0; i < 400 && !stop.get(); i++) {
                String id = create(tag, "");
                churned.add(id);
                if (i % 2 == 0) {
                    assertThat(send("DELETE", "/hypervisors/" + id, null).status()).isEqualTo(200);
                }
                writes.incrementAndGet();
            }
        });
        List<String> seen;
        try {
            // The writes must really happen while the pages are read, whatever the scheduling: the
            // first page waits for the writer's first write, and each next page for one more
            // (unless the writer is done), so every gap between two pages has a write in it.
            awaitWrites(writes, 1, writer);
            int[] before = {writes.get()};
            seen = pages("/hypervisors?metadata.tag=" + tag + "&limit=4", 4, () -> {
                awaitWrites(writes, before[0] + 1, writer);
                before[0] = writes.get();
            });
        } finally {
            stop.set(true);
            writer.join(60_000);
        }
        assertThat(new HashSet<>(seen)).hasSize(seen.size()); // none twice
        assertThat(seen).containsAll(stable);
        assertThat(seen).isSorted();
        assertThat(churned).isNotEmpty();
        for (String id : seen) {
            assertThat(stable.contains(id) || churned.contains(id)).isTrue();
        }
    }

    /** Waits (up to 60 s) until the writer has made {@code count} writes, or has ended. */
    private static void awaitWrites(java.util.concurrent.atomic.AtomicInteger writes, int count, Thread writer) {
        long giveUp = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (writes.get() < count && writer.isAlive()) {
            assertThat(System.nanoTime()).as("the writer to make write %d", count).isLessThan(giveUp);
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    // ---------------------------------------------------------------- the feed

    /** One server-sent event as read off the wire. */
    protected record Sse(String type, String id, String data) {
        JsonNode json() {
            return tree(data);
        }

        String hypervisor() {
            return json().path("hypervisor").path("id").asText(null);
        }
    }

    /** A consumer of the feed reading on its own thread into a queue. */
    protected final class Watcher implements AutoCloseable {
        final BlockingQueue<Object> events = new LinkedBlockingQueue<>();
        final HttpResponse<InputStream> response;
        private final Thread reader;
        private static final Object END = new Object();
        volatile int comments;

        Watcher(String query, String lastEventId) throws Exception {
            HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve("/hypervisors?watch=true" + query));
            if (lastEventId != null) {
                b.header("Last-Event-ID", lastEventId);
            }
            response = client.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            reader = Thread.ofVirtual().start(this::read);
        }

        private void read() {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                String type = null;
                String id = null;
                StringBuilder data = null;
                String line;
                while ((line = in.readLine()) != null) {
                    if (line.isEmpty()) {
                        if (type != null || data != null) {
                            events.add(new Sse(type, id, data == null ? "" : data.toString()));
                        }
                        type = null;
                        id = null;
                        data = null;
                    } else if (line.startsWith(":")) {
                        comments++;
                    } else if (line.startsWith("event:")) {
                        type = line.substring(6).strip();
                    } else if (line.startsWith("id:")) {
                        id = line.substring(3).strip();
                    } else if (line.startsWith("data:")) {
                        String v = line.substring(5).strip();
                        data = data == null ? new StringBuilder(v) : data.append('\n').append(v);
                    }
                }
            } catch (IOException e) {
                // closed
            } finally {
                events.add(END);
            }
        }

        /** The next event (up to 30 s); fails when the stream ended. */
        Sse next() throws InterruptedException {
            Object o = events.poll(30, TimeUnit.SECONDS);
            assertThat(o).as("an event within 30 s").isNotNull();
            assertThat(o).as("the stream ended").isNotSameAs(END);
            return (Sse) o;
        }

        /** Whether the stream ends (with only the given events before) within the time. */
        boolean ended(Duration within) throws InterruptedException {
            long giveUp = System.nanoTime() + within.toNanos();
            while (System.nanoTime() < giveUp) {
                Object o = events.poll(200, TimeUnit.MILLISECONDS);
                if (o == END) {
                    return true;
                }
            }
            return false;
        }

        /** Nothing more within the time (the stream stays open, no event). */
        void quiet(Duration within) throws InterruptedException {
            Object o = events.poll(within.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(o).as("no further event").isNull();
        }

        @Override
        public void close() {
            try {
                response.body().close();
            } catch (IOException e) {
                // gone
            }
            reader.interrupt();
        }
    }

    protected Watcher watch(String query) throws Exception {
        Watcher w = new Watcher(query, null);
        assertThat(w.response.statusCode()).isEqualTo(200);
        assertThat(w.response.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
        return w;
    }

    @Test
    @DisplayName("feed: one ADDED per match from one read, then SYNCED; then ADDED, MODIFIED, DELETED in order with increasing ids")
    void feedInitialStateAndChanges() throws Exception {
        assumeFeed();
        String tag = tag();
        String a = create(tag, "");
        String b = create(tag, "");
        try (Watcher w = watch("&metadata.tag=" + tag)) {
            Set<String> initial = new HashSet<>();
            initial.add(w.next().hypervisor());
            initial.add(w.next().hypervisor());
            assertThat(initial).containsExactlyInAnyOrder(a, b);
            Sse synced = w.next();
            assertThat(synced.type()).isEqualTo("SYNCED");
            long last = Long.parseLong(synced.id());
            String c = create(tag, "");
            Sse added = w.next();
            assertThat(added.type()).isEqualTo("ADDED");
            assertThat(added.hypervisor()).isEqualTo(c);
            assertThat(Long.parseLong(added.id())).isGreaterThan(last);
            assertThat(added.json().get("revision").asLong()).isEqualTo(Long.parseLong(added.id()));
            last = Long.parseLong(added.id());
            assertThat(send("PATCH", "/hypervisors/" + a + "/config", "{\"k\":\"v\"}").status()).isEqualTo(200);
            Sse modified = w.next();
            assertThat(modified.type()).isEqualTo("MODIFIED");
            assertThat(modified.hypervisor()).isEqualTo(a);
            assertThat(modified.json().get("config").get("k").asText()).isEqualTo("v");
            assertThat(Long.parseLong(modified.id())).isGreaterThan(last);
            last = Long.parseLong(modified.id());
            assertThat(send("DELETE", "/hypervisors/" + a, null).status()).isEqualTo(200);
            Sse deleted = w.next();
            assertThat(deleted.type()).isEqualTo("DELETED");
            assertThat(deleted.hypervisor()).isEqualTo(a);
            assertThat(deleted.json().get("config").get("k").asText()).as("the last state").isEqualTo("v");
            assertThat(Long.parseLong(deleted.id())).isGreaterThan(last);
            for (String field : List.of("type", "revision", "hypervisor", "config", "subnets", "guests", "alive")) {
                assertThat(deleted.json().has(field)).as(field).isTrue();
            }
            w.quiet(Duration.ofMillis(500)); // each change arrived once
        }
    }

    @Test
    @DisplayName("feed: a key written straight into the store arrives once; heartbeat put and delete flip alive")
    void feedDirectWritesAndHeartbeat() throws Exception {
        assumeFeed();
        String tag = tag();
        String a = create(tag, "");
        try (Watcher w = watch("&metadata.tag=" + tag)) {
            assertThat(w.next().hypervisor()).isEqualTo(a);
            assertThat(w.next().type()).isEqualTo("SYNCED");
            rawPut("lochness/hypervisors/" + a + "/guests/g1", "x");
            Sse guest = w.next();
            assertThat(guest.type()).isEqualTo("MODIFIED");
            assertThat(guest.json().get("guests").get(0).asText()).isEqualTo("g1");
            rawPut("lochness/hypervisors/" + a + "/heartbeat", "1");
            Sse up = w.next();
            assertThat(up.json().get("alive").asBoolean()).isTrue();
            assertThat(Long.parseLong(up.id())).isGreaterThan(Long.parseLong(guest.id()));
            rawDelete("lochness/hypervisors/" + a + "/heartbeat");
            Sse down = w.next();
            assertThat(down.json().get("alive").asBoolean()).isFalse();
            assertThat(Long.parseLong(down.id())).isGreaterThan(Long.parseLong(up.id()));
            w.quiet(Duration.ofMillis(500));
        }
    }

    @Test
    @DisplayName("feed with a filter: a hypervisor that starts matching is ADDED, one that stops is DELETED")
    void feedFilterEnterLeave() throws Exception {
        assumeFeed();
        String tag = tag();
        String a = create(tag, "");
        try (Watcher w = watch("&metadata.tag=" + tag + "&alive=true")) {
            assertThat(w.next().type()).isEqualTo("SYNCED");
            rawPut("lochness/hypervisors/" + a + "/heartbeat", "1");
            Sse in = w.next();
            assertThat(in.type()).isEqualTo("ADDED");
            assertThat(in.hypervisor()).isEqualTo(a);
            rawDelete("lochness/hypervisors/" + a + "/heartbeat");
            Sse out = w.next();
            assertThat(out.type()).isEqualTo("DELETED");
            assertThat(out.hypervisor()).isEqualTo(a);
        }
    }

    @Test
    @DisplayName("feed: resuming with Last-Event-ID gets exactly the missed events, without the initial state")
    void feedResume() throws Exception {
        assumeFeed();
        String tag = tag();
        String a = create(tag, "");
        String lastId;
        try (Watcher w = watch("&metadata.tag=" + tag)) {
            w.next();
            lastId = w.next().id();
        }
        String b = create(tag, "");
        assertThat(send("PATCH", "/hypervisors/" + a + "/config", "{\"k\":\"v\"}").status()).isEqualTo(200);
        try (Watcher w = new Watcher("&metadata.tag=" + tag, lastId)) {
            assertThat(w.response.statusCode()).isEqualTo(200);
            Sse first = w.next();
            assertThat(first.type()).isEqualTo("ADDED");
            assertThat(first.hypervisor()).isEqualTo(b);
            Sse second = w.next();
            assertThat(second.type()).isEqualTo("MODIFIED");
            assertThat(second.hypervisor()).isEqualTo(a);
            w.quiet(Duration.ofMillis(500));
        }
        // since= does the same as the header
        try (Watcher w = watch("&metadata.tag=" + tag + "&since=" + lastId)) {
            assertThat(w.next().hypervisor()).isEqualTo(b);
            assertThat(w.next().hypervisor()).isEqualTo(a);
        }
    }

    @Test
    @DisplayName("feed: a request whose Accept excludes text/event-stream answers 400, not a broken stream")
    void feedNeedsEventStreamAccepted() throws Exception {
        assumeFeed();
        HttpRequest request = HttpRequest.newBuilder(base.resolve("/hypervisors?watch=true"))
                .header("Accept", "application/json").timeout(Duration.ofSeconds(30)).build();
        HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(tree(r.body()).get("message").asText()).contains("text/event-stream");
    }

    @Test
    @DisplayName("feed: a revision older than the history kept answers 410 with the JSON error body")
    void feedGone() {
        assumeFeed();
        Resp r = get("/hypervisors?watch=true&since=0");
        assertThat(r.status()).as(r.body()).isEqualTo(410);
        assertThat(r.json().get("code").asInt()).isEqualTo(410);
        assertThat(r.json().get("message").asText()).contains("revision 0");
        Resp future = get("/hypervisors?watch=true&since=999999999999");
        assertThat(future.status()).isEqualTo(410);
    }

    @Test
    @DisplayName("feed: 200 concurrent watchers all see the same events")
    void manyWatchers() throws Exception {
        assumeFeed();
        String tag = tag();
        List<Watcher> watchers = new ArrayList<>();
        try {
            for (int i = 0; i < 200; i++) {
                watchers.add(watch("&metadata.tag=" + tag));
            }
            for (Watcher w : watchers) {
                assertThat(w.next().type()).isEqualTo("SYNCED");
            }
            List<String> made = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                made.add(create(tag, ""));
            }
            List<String> expected = null;
            for (Watcher w : watchers) {
                List<String> got = new ArrayList<>();
                for (int i = 0; i < 5; i++) {
                    Sse e = w.next();
                    got.add(e.type() + " " + e.hypervisor() + " " + e.id());
                }
                if (expected == null) {
                    expected = got;
                    assertThat(got).extracting(s -> s.split(" ")[1]).containsExactlyElementsOf(made);
                }
                assertThat(got).isEqualTo(expected);
            }
        } finally {
            watchers.forEach(Watcher::close);
        }
    }
}
