package io.lochness.chypervisord.adapter.in.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.helidon.webserver.WebServer;
import io.lochness.chypervisord.adapter.out.kv.spi.KeyValue;
import io.lochness.chypervisord.adapter.out.kv.spi.Txn;
import io.lochness.chypervisord.domain.service.HypervisorRegistry;
import io.lochness.chypervisord.adapter.out.kv.KvHypervisorRepository;
import io.lochness.chypervisord.adapter.out.kv.RegistryView;
import io.lochness.chypervisord.adapter.out.kv.memory.InMemoryKeyValueStore;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** A store that fails answers 503 with the JSON error, and a failed write changes nothing. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StoreFailureHttpTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String SUBNET = "c6430cba-648a-41aa-aee4-b59dacfc790d";

    private InMemoryKeyValueStore memory;
    private FailingKeyValueStore store;
    private RegistryView view;
    private WebServer server;
    private HttpClient client;

    @BeforeAll
    void start() {
        memory = new InMemoryKeyValueStore();
        store = new FailingKeyValueStore(memory);
        view = new RegistryView(store, 1_000, Duration.ofSeconds(2));
        view.start();
        server = HypervisorHttpService.configure(WebServer.builder().port(0).host("127.0.0.1"),
                        new HypervisorRegistry(new KvHypervisorRepository(store, view)), JsonMapper.create(), r -> { })
                .build()
                .start();
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    }

    @AfterAll
    void stop() {
        server.stop();
        client.close();
        view.close();
        store.close();
    }

    @AfterEach
    void heal() {
        store.heal();
    }

    private record Resp(int status, String contentType, String body) {
        JsonNode json() throws IOException {
            return MAPPER.readTree(body);
        }
    }

    private Resp send(String method, String path, String body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/x-www-form-urlencoded");
        }
        HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Resp(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), r.body());
    }

    private static void assertError(Resp r, int status) throws IOException {
        assertThat(r.status()).as(r.toString()).isEqualTo(status);
        assertThat(r.contentType()).startsWith("application/json");
        JsonNode j = r.json();
        List<String> names = new java.util.ArrayList<>();
        j.fieldNames().forEachRemaining(names::add);
        assertThat(names).containsExactlyInAnyOrder("message", "code");
        assertThat(j.get("code").asInt()).isEqualTo(status);
        assertThat(j.get("message").textValue()).isNotBlank()
                .doesNotContain("Exception").doesNotContain("at io.").doesNotContain("\tat ");
    }

    private String create() throws IOException, InterruptedException {
        String id = UUID.randomUUID().toString();
        Resp r = send("POST", "/hypervisors", "{\"id\":\"" + id + "\",\"ip\":\"10.0.0.1\",\"mac\":\"02:00:00:00:00:01\"}");
        assertThat(r.status()).isEqualTo(201);
        assertThat(send("PATCH", "/hypervisors/" + id + "/config", "{\"a\":\"1\"}").status()).isEqualTo(200);
        assertThat(send("PATCH", "/hypervisors/" + id + "/subnets", "{\"" + SUBNET + "\":\"br0\"}").status())
                .isEqualTo(200);
        return id;
    }

    private Map<String, String> stored(String id) {
        Map<String, String> out = new LinkedHashMap<>();
        for (KeyValue kv : memory.read("lochness/hypervisors/" + id + "/").entries()) {
            out.put(kv.key(), kv.value());
        }
        return out;
    }

    static Stream<Arguments> everyEndpoint() {
        return Stream.of(
                Arguments.of("GET", "", null),
                Arguments.of("PATCH", "/{id}", "{\"ip\":\"10.0.0.2\"}"),
                Arguments.of("GET", "/{id}", null),
                Arguments.of("DELETE", "/{id}", null),
                Arguments.of("GET", "/{id}/config", null),
                Arguments.of("PATCH", "/{id}/config", "{\"a\":\"\",\"b\":\"2\"}"),
                Arguments.of("GET", "/{id}/subnets", null),
                Arguments.of("PATCH", "/{id}/subnets", "{\"" + UUID.randomUUID() + "\":\"br1\"}"),
                Arguments.of("DELETE", "/{id}/subnets/" + SUBNET, null),
                Arguments.of("GET", "/{id}/guests", null));
    }

    @ParameterizedTest(name = "{0} /hypervisors{1}")
    @MethodSource("everyEndpoint")
    void givenStoreDownForReads_anyEndpoint_returns503Json(String method, String suffix, String body)
            throws Exception {
        String id = create();
        Map<String, String> before = stored(id);
        store.failReads(true);
        assertError(send(method, "/hypervisors" + suffix.replace("{id}", id), body), 503);
        store.heal();
        assertThat(stored(id)).isEqualTo(before);
    }

    @ParameterizedTest(name = "{0} /hypervisors{1}")
    @MethodSource("everyEndpoint")
    void givenCommitsFailing_anyWrite_returns503AndChangesNothing(String method, String suffix, String body)
            throws Exception {
        String id = create();
        Map<String, String> before = stored(id);
        store.failCommits(true);
        Resp r = send(method, "/hypervisors" + suffix.replace("{id}", id), body);
        if (method.equals("GET")) {
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
        } else {
            assertError(r, 503);
        }
        store.heal();
        assertThat(stored(id)).isEqualTo(before);
    }

    @Test
    void givenCommitsFailing_post_returns503AndCreatesNothing() throws Exception {
        String id = UUID.randomUUID().toString();
        store.failCommits(true);
        assertError(send("POST", "/hypervisors", "{\"id\":\"" + id + "\"}"), 503);
        store.heal();
        assertThat(stored(id)).isEmpty();
        assertError(send("GET", "/hypervisors/" + id, null), 404);
    }

    @Test
    void givenCommitFailingMidPatch_record_isUnchangedAndLaterPatchesWork() throws Exception {
        String id = create();
        JsonNode before = send("GET", "/hypervisors/" + id, null).json();
        store.failCommits(true);
        assertError(send("PATCH", "/hypervisors/" + id, "{\"ip\":\"10.9.9.9\",\"metadata\":{\"x\":\"y\"}}"), 503);
        store.heal();
        assertThat(send("GET", "/hypervisors/" + id, null).json()).isEqualTo(before);
        Resp r = send("PATCH", "/hypervisors/" + id, "{\"ip\":\"10.9.9.9\"}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("ip").textValue()).isEqualTo("10.9.9.9");
    }

    @Test
    void givenCorruptRecordInStore_get_returns500JsonWithoutStackTrace() throws Exception {
        String id = UUID.randomUUID().toString();
        String key = "lochness/hypervisors/" + id + "/metadata";
        memory.commit(new Txn(List.of(), List.of(new Txn.Put(key, "{\"id\":\"" + id + "\",\"ip\":\"not-an-ip\"}"))));
        try {
            assertError(send("GET", "/hypervisors/" + id, null), 500);
            assertError(send("PATCH", "/hypervisors/" + id, "{\"ip\":\"10.0.0.1\"}"), 500);
        } finally {
            memory.commit(new Txn(List.of(), List.of(new Txn.Delete(key))));
        }
    }

    @Test
    @DisplayName("a corrupt record is left out of the list (and named in the log); the others are still listed")
    void givenCorruptRecordInStore_list_servesTheOthers() throws Exception {
        String good = create();
        String bad = UUID.randomUUID().toString();
        String key = "lochness/hypervisors/" + bad + "/metadata";
        memory.commit(new Txn(List.of(), List.of(new Txn.Put(key, "{not json"))));
        try {
            Resp r = send("GET", "/hypervisors", null);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).contains(good).doesNotContain(bad);
        } finally {
            memory.commit(new Txn(List.of(), List.of(new Txn.Delete(key))));
        }
    }

    @Test
    void givenUnexpectedStoreFailure_get_returns500Json() throws Exception {
        String id = create();
        store.failUnexpectedly(new IllegalStateException("adapter bug at io.example.Adapter.read(Adapter.java:1)"));
        Resp r = send("GET", "/hypervisors/" + id, null);
        assertThat(r.status()).isEqualTo(500);
        assertThat(r.contentType()).startsWith("application/json");
        assertThat(r.json().get("code").asInt()).isEqualTo(500);
        assertThat(r.json().get("message").textValue()).isNotBlank().doesNotContain("adapter bug").doesNotContain("at io.");
    }

    @Test
    void givenUnexpectedStoreFailure_message_namesNoJavaClass() throws Exception {
        String id = create();
        store.failUnexpectedly(new IllegalStateException("boom"));
        assertError(send("GET", "/hypervisors/" + id, null), 500);
    }
}
