package io.lochness.chypervisord.adapter.in.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.webserver.WebServer;
import io.lochness.chypervisord.adapter.out.kv.KvHypervisorRepository;
import io.lochness.chypervisord.adapter.out.kv.RegistryView;
import io.lochness.chypervisord.adapter.out.kv.spi.KeyValue;
import io.lochness.chypervisord.adapter.out.kv.spi.KeyValueStore;
import io.lochness.chypervisord.adapter.out.kv.spi.Txn;
import io.lochness.chypervisord.adapter.out.kv.spi.TxnResult;
import io.lochness.chypervisord.domain.model.Limits;
import io.lochness.chypervisord.domain.service.HypervisorRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The HTTP API's contract, run against a real Helidon server over each store. Subclasses give
 * the store; every test works on fresh random ids, so the store may be shared with other tests.
 *
 * <p>Bodies are sent as {@code curl --data-binary} sends them (form-urlencoded) unless a test is
 * about content types.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class HttpApiContract {
    protected static final ObjectMapper MAPPER = new ObjectMapper();
    protected static final String FORM = "application/x-www-form-urlencoded";

    /** The seed README's ids, replaced by fresh ones in each test. */
    static final String SEED_ID = "abcd1234-abcd-1234-abcd-1234abcd1234";
    static final String SEED_LIST_ID = "e88a75a6-7ae6-487c-9634-6553d3793437";
    static final String SEED_SUBNET = "c6430cba-648a-41aa-aee4-b59dacfc790d";

    static final String SEED_POST_BODY = "{\"id\":\"abcd1234-abcd-1234-abcd-1234abcd1234\",\"metadata\":{},"
            + "\"ip\":\"10.100.101.35\",\"netmask\":\"255.255.255.255\",\"gateway\":\"10.100.101.35\","
            + "\"mac\":\"01:23:45:67:89:ac\",\"total_resources\":{\"memory\":1024,\"disk\":1024,\"cpu\":1},"
            + "\"available_resources\":{\"memory\":1024,\"disk\":1024,\"cpu\":1}}";
    static final String SEED_LIST_ITEM = "{\"id\":\"e88a75a6-7ae6-487c-9634-6553d3793437\",\"metadata\":{},"
            + "\"ip\":\"10.100.101.34\",\"netmask\":\"\",\"gateway\":\"\",\"mac\":\"01:23:45:67:89:ab\","
            + "\"total_resources\":{\"memory\":0,\"disk\":0,\"cpu\":0},"
            + "\"available_resources\":{\"memory\":0,\"disk\":0,\"cpu\":0}}";

    static final List<String> RECORD_FIELDS = List.of(
            "id", "metadata", "ip", "netmask", "gateway", "mac", "total_resources", "available_resources");
    static final List<String> RESOURCE_FIELDS = List.of("memory", "disk", "cpu");

    private KeyValueStore store;
    private WebServer server;
    private HttpClient client;
    private URI base;

    /** The store the server under test runs on; called once per test class. */
    protected abstract KeyValueStore createStore();

    /**
     * Whether reads are served from the watch-fed registry view (the default, as the service
     * runs) or straight from the store (the view turned off).
     */
    protected boolean viewEnabled() {
        return true;
    }

    private RegistryView view;

    /** The store as the server sees it; subclasses may wrap it. */
    protected KeyValueStore wrapStore(KeyValueStore store) {
        return store;
    }

    @BeforeAll
    void startServer() {
        store = createStore();
        KeyValueStore served = wrapStore(store);
        if (viewEnabled()) {
            view = new RegistryView(served, 1_000, Duration.ofSeconds(2));
            view.start();
        }
        server = HypervisorHttpService.configure(WebServer.builder().port(0).host("127.0.0.1"),
                        new HypervisorRegistry(new KvHypervisorRepository(served, view)), JsonMapper.create(), r -> { })
                .build()
                .start();
        base = URI.create("http://127.0.0.1:" + server.port());
        client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10))
                .build();
    }

    @AfterAll
    void stopServer() {
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

    protected KeyValueStore store() {
        return store;
    }

    // ---------------------------------------------------------------- HTTP helpers

    /** A response: status, headers, body text, and the body as JSON. */
    protected record Resp(String request, int status, HttpHeaders headers, String body) {
        public JsonNode json() {
            try {
                return MAPPER.readTree(body);
            } catch (JsonProcessingException e) {
                throw new AssertionError(request + " -> " + status + ": body is not JSON: " + body, e);
            }
        }

        public String header(String name) {
            return headers.firstValue(name).orElse(null);
        }

        @Override
        public String toString() {
            return request + " -> " + status + " " + body;
        }
    }

    protected Resp get(String path) {
        return send("GET", path, null);
    }

    /**
     * Sends {@code body} (null for none) as curl --data-binary does: form-urlencoded, unless the
     * {@code headers} (name, value pairs) give a Content-Type.
     */
    protected Resp send(String method, String path, String body, String... headers) {
        Map<String, String> h = new LinkedHashMap<>();
        for (int i = 0; i < headers.length; i += 2) {
            h.put(headers[i], headers[i + 1]);
        }
        if (body != null && h.keySet().stream().noneMatch(k -> k.equalsIgnoreCase("Content-Type"))) {
            h.put("Content-Type", FORM);
        }
        return sendExactly(method, path, body, h);
    }

    /** Sends exactly the given headers (no Content-Type unless given). */
    protected Resp sendExactly(String method, String path, String body, Map<String, String> headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path))
                .timeout(Duration.ofSeconds(30))
                .method(method, body == null
                        ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(b::header);
        try {
            HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
            String shown = method + " " + path + (body == null || body.length() > 200 ? "" : " " + body);
            return new Resp(shown, r.statusCode(), r.headers(), r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + path, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    // ---------------------------------------------------------------- store helpers

    /** Writes a key straight into the store, as another lochness daemon would. */
    protected void rawPut(String key, String value) {
        TxnResult r = store.commit(new Txn(List.of(), List.of(new Txn.Put(key, value))));
        assertThat(r.committed()).isTrue();
    }

    protected void rawDelete(String key) {
        TxnResult r = store.commit(new Txn(List.of(), List.of(new Txn.Delete(key))));
        assertThat(r.committed()).isTrue();
    }

    /** Every key stored for hypervisor {@code id}, key to value. */
    protected Map<String, String> storedUnder(String id) {
        Map<String, String> out = new LinkedHashMap<>();
        for (KeyValue kv : store.read(prefix(id)).entries()) {
            out.put(kv.key(), kv.value());
        }
        return out;
    }

    protected static String prefix(String id) {
        return "lochness/hypervisors/" + id.toLowerCase(Locale.ROOT) + "/";
    }

    // ---------------------------------------------------------------- data helpers

    protected static String newId() {
        return UUID.randomUUID().toString();
    }

    protected static String json(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    protected static JsonNode tree(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The seed README's POST body with {@code id}. */
    protected static String seedRecord(String id) {
        return SEED_POST_BODY.replace(SEED_ID, id);
    }

    /** Creates the seed README's record under {@code id}; asserts 201. */
    protected JsonNode create(String id) {
        Resp r = send("POST", "/hypervisors", seedRecord(id));
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        return r.json();
    }

    /** Creates a record from {@code body}; asserts 201 and returns it. */
    protected JsonNode createWith(String body) {
        Resp r = send("POST", "/hypervisors", body);
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        return r.json();
    }

    protected JsonNode fetch(String id) {
        Resp r = get("/hypervisors/" + id);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return r.json();
    }

    protected static List<String> fieldNames(JsonNode node) {
        List<String> out = new ArrayList<>();
        node.fieldNames().forEachRemaining(out::add);
        return out;
    }

    /** A hypervisor's JSON has exactly the seed's fields, in the seed's order. */
    protected static void assertRecordShape(JsonNode record) {
        assertThat(record.isObject()).as("record is an object: %s", record).isTrue();
        assertThat(fieldNames(record)).as("field order of %s", record).containsExactlyElementsOf(RECORD_FIELDS);
        assertThat(fieldNames(record.get("total_resources"))).containsExactlyElementsOf(RESOURCE_FIELDS);
        assertThat(fieldNames(record.get("available_resources"))).containsExactlyElementsOf(RESOURCE_FIELDS);
        assertThat(record.get("metadata").isObject()).isTrue();
        for (String f : List.of("id", "ip", "netmask", "gateway", "mac")) {
            assertThat(record.get(f).isTextual()).as("%s is a string in %s", f, record).isTrue();
        }
    }

    /** The error body: {"message": non-empty, "code": status}, JSON, no stack trace. */
    protected static void assertError(Resp r, int status) {
        assertThat(r.status()).as(r.toString()).isEqualTo(status);
        assertThat(r.header("Content-Type")).as("Content-Type of %s", r).startsWith("application/json");
        JsonNode j = r.json();
        assertThat(j.isObject()).as(r.toString()).isTrue();
        assertThat(fieldNames(j)).as(r.toString()).containsExactlyInAnyOrder("message", "code");
        assertThat(j.get("code").isIntegralNumber()).as(r.toString()).isTrue();
        assertThat(j.get("code").asInt()).as(r.toString()).isEqualTo(status);
        assertThat(j.get("message").isTextual()).as(r.toString()).isTrue();
        String message = j.get("message").textValue();
        assertThat(message).as(r.toString()).isNotBlank()
                .doesNotContain("Exception")
                .doesNotContain("at io.")
                .doesNotContain("at java.")
                .doesNotContain("\tat ")
                .doesNotContain("com.fasterxml");
    }

    // ================================================================ the seed README

    @Test
    @DisplayName("The seed README's requests, sent as curl sends them, give the seed's responses")
    void seedReadmeExamples() {
        String id = newId();
        String idPath = "/hypervisors/" + id;
        JsonNode seedRecord = tree(seedRecord(id));

        // POST /hypervisors
        Resp created = send("POST", "/hypervisors", seedRecord(id));
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        assertThat(created.header("Content-Type")).startsWith("application/json");
        assertThat(created.json()).isEqualTo(seedRecord);
        assertRecordShape(created.json());

        // GET /hypervisors/{id}
        Resp got = get(idPath);
        assertThat(got.status()).isEqualTo(200);
        assertThat(got.header("Content-Type")).startsWith("application/json");
        assertThat(got.json()).isEqualTo(seedRecord);
        assertRecordShape(got.json());

        // PATCH /hypervisors/{id} (resources kept: the PATCH does not give them)
        Resp patched = send("PATCH", idPath, "{\"metadata\":{\"foo\":\"bar\"}}");
        assertThat(patched.status()).as(patched.toString()).isEqualTo(200);
        ObjectNode afterPatch = ((ObjectNode) seedRecord.deepCopy());
        afterPatch.set("metadata", tree("{\"foo\":\"bar\"}"));
        assertThat(patched.json()).isEqualTo(afterPatch);
        assertRecordShape(patched.json());
        assertThat(fetch(id)).isEqualTo(afterPatch);

        // config: set, GET, PATCH with a delete and a set
        Resp setConfig = send("PATCH", idPath + "/config", "{\"bar\":\"baz\"}");
        assertThat(setConfig.status()).as(setConfig.toString()).isEqualTo(200);
        assertThat(setConfig.json()).isEqualTo(tree("{\"bar\":\"baz\"}"));
        Resp config = get(idPath + "/config");
        assertThat(config.status()).isEqualTo(200);
        assertThat(config.header("Content-Type")).startsWith("application/json");
        assertThat(config.json()).isEqualTo(tree("{\"bar\":\"baz\"}"));
        Resp configPatch = send("PATCH", idPath + "/config", "{\"bar\":\"\",\"foobar\":\"asdf\"}");
        assertThat(configPatch.status()).as(configPatch.toString()).isEqualTo(200);
        assertThat(configPatch.json()).isEqualTo(tree("{\"foobar\":\"asdf\"}"));
        assertThat(get(idPath + "/config").json()).isEqualTo(tree("{\"foobar\":\"asdf\"}"));

        // subnets: GET (none yet), PATCH, GET, DELETE
        assertThat(get(idPath + "/subnets").json()).isEqualTo(tree("{}"));
        String subnets = "{\"" + SEED_SUBNET + "\":\"br0\"}";
        Resp subnetPatch = send("PATCH", idPath + "/subnets", subnets);
        assertThat(subnetPatch.status()).as(subnetPatch.toString()).isEqualTo(200);
        assertThat(subnetPatch.json()).isEqualTo(tree(subnets));
        Resp subnetGet = get(idPath + "/subnets");
        assertThat(subnetGet.status()).isEqualTo(200);
        assertThat(subnetGet.json()).isEqualTo(tree(subnets));
        Resp subnetDelete = send("DELETE", idPath + "/subnets/" + SEED_SUBNET, null);
        assertThat(subnetDelete.status()).as(subnetDelete.toString()).isEqualTo(200);
        assertThat(subnetDelete.json()).isEqualTo(tree("{}"));

        // the GET /hypervisors example record, and GET guests on it
        String listId = newId();
        JsonNode listItem = tree(SEED_LIST_ITEM.replace(SEED_LIST_ID, listId));
        assertThat(createWith(SEED_LIST_ITEM.replace(SEED_LIST_ID, listId))).isEqualTo(listItem);
        Resp list = get("/hypervisors");
        assertThat(list.status()).isEqualTo(200);
        assertThat(list.header("Content-Type")).startsWith("application/json");
        assertThat(list.json().isArray()).isTrue();
        assertThat(list.json()).contains(listItem, afterPatch);
        list.json().forEach(HttpApiContract::assertRecordShape);

        rawPut(prefix(listId) + "guests/f2011319-ad59-42fb-9bad-92e261f0651c", "");
        rawPut(prefix(listId) + "guests/ad762efc-3c23-402b-8e1f-a248a005efb9", "");
        Resp guests = get("/hypervisors/" + listId + "/guests");
        assertThat(guests.status()).isEqualTo(200);
        assertThat(guests.header("Content-Type")).startsWith("application/json");
        assertThat(guests.json()).isEqualTo(tree(
                "[\"ad762efc-3c23-402b-8e1f-a248a005efb9\",\"f2011319-ad59-42fb-9bad-92e261f0651c\"]"));
        rawDelete(prefix(listId) + "guests/f2011319-ad59-42fb-9bad-92e261f0651c");
        rawDelete(prefix(listId) + "guests/ad762efc-3c23-402b-8e1f-a248a005efb9");
        assertThat(send("DELETE", "/hypervisors/" + listId, null).status()).isEqualTo(200);

        // DELETE /hypervisors/{id}: the deleted record
        Resp deleted = send("DELETE", idPath, null);
        assertThat(deleted.status()).as(deleted.toString()).isEqualTo(200);
        assertThat(deleted.json()).isEqualTo(afterPatch);
        assertRecordShape(deleted.json());
        assertError(get(idPath), 404);
    }

    // ================================================================ list

    @Test
    void givenSeveralHypervisors_list_returnsFullRecordsSortedById() {
        List<String> ids = new ArrayList<>(List.of(newId(), newId(), newId(), newId()));
        for (String id : ids) {
            create(id);
        }
        Resp r = get("/hypervisors");
        assertThat(r.status()).isEqualTo(200);
        JsonNode all = r.json();
        assertThat(all.isArray()).isTrue();
        List<String> listed = new ArrayList<>();
        for (JsonNode h : all) {
            assertRecordShape(h);
            listed.add(h.get("id").textValue());
            if (ids.contains(h.get("id").textValue())) {
                assertThat(h).isEqualTo(tree(seedRecord(h.get("id").textValue())));
            }
        }
        assertThat(listed).isSorted();
        Collections.sort(ids);
        assertThat(listed.stream().filter(ids::contains).toList()).containsExactlyElementsOf(ids);
    }

    @Test
    void givenHundredsOfHypervisors_list_streamsThemAllWholeAndSorted() {
        // Hundreds of records make a body of many chunks: it must arrive whole, valid and in order.
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            String id = newId();
            ids.add(id);
            create(id);
        }
        Resp r = get("/hypervisors");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
        assertThat(r.body().length()).isGreaterThan(300 * 200);
        List<String> listed = new ArrayList<>();
        r.json().forEach(h -> listed.add(h.get("id").textValue()));
        assertThat(listed).isSorted().containsAll(ids);
        Collections.sort(ids);
        assertThat(listed.stream().filter(ids::contains).toList()).containsExactlyElementsOf(ids);
    }

    @Test
    void givenNoHypervisors_list_returnsEmptyArray() {
        // The store may be shared: start a server of our own on a fresh in-memory store.
        KeyValueStore empty = new io.lochness.chypervisord.adapter.out.kv.memory.InMemoryKeyValueStore();
        WebServer own = HypervisorHttpService.configure(WebServer.builder().port(0).host("127.0.0.1"),
                        new HypervisorRegistry(new KvHypervisorRepository(empty, null)), JsonMapper.create(), r -> { })
                .build()
                .start();
        try {
            HttpResponse<String> r = client.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + own.port() + "/hypervisors")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith(
                    "application/json"));
            assertThat(tree(r.body())).isEqualTo(tree("[]"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            own.stop();
        }
    }

    // ================================================================ ids

    @Test
    void givenUpperCaseId_post_storesAndReturnsLowercase() {
        String id = newId();
        Resp r = send("POST", "/hypervisors", seedRecord(id.toUpperCase(Locale.ROOT)));
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        assertThat(r.json().get("id").textValue()).isEqualTo(id);
        assertThat(r.header("Location")).isEqualTo("/hypervisors/" + id);
        assertThat(storedUnder(id)).containsKey(prefix(id) + "metadata");
        assertThat(fetch(id).get("id").textValue()).isEqualTo(id);
    }

    @Test
    void givenHypervisor_getWithUpperCasePathId_findsIt() {
        String id = newId();
        create(id);
        String upper = "/hypervisors/" + id.toUpperCase(Locale.ROOT);
        Resp r = get(upper);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("id").textValue()).isEqualTo(id);
        assertThat(get(upper + "/config").status()).isEqualTo(200);
        assertThat(get(upper + "/subnets").status()).isEqualTo(200);
        assertThat(get(upper + "/guests").status()).isEqualTo(200);
        Resp patched = send("PATCH", upper, "{\"ip\":\"10.1.1.1\"}");
        assertThat(patched.status()).isEqualTo(200);
        assertThat(patched.json().get("id").textValue()).isEqualTo(id);
        assertThat(send("DELETE", upper, null).status()).isEqualTo(200);
        assertThat(storedUnder(id)).isEmpty();
    }

    static Stream<Arguments> endpointsWithBadId() {
        String bad1 = "not-a-uuid";
        String bad2 = "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz";
        String bad3 = UUID.randomUUID().toString().replace("-", "");
        List<Arguments> out = new ArrayList<>();
        for (String bad : List.of(bad1, bad2, bad3)) {
            out.add(Arguments.of("GET", "/hypervisors/" + bad, null));
            out.add(Arguments.of("PATCH", "/hypervisors/" + bad, "{\"ip\":\"10.0.0.1\"}"));
            out.add(Arguments.of("DELETE", "/hypervisors/" + bad, null));
            out.add(Arguments.of("GET", "/hypervisors/" + bad + "/config", null));
            out.add(Arguments.of("PATCH", "/hypervisors/" + bad + "/config", "{\"a\":\"b\"}"));
            out.add(Arguments.of("GET", "/hypervisors/" + bad + "/subnets", null));
            out.add(Arguments.of("PATCH", "/hypervisors/" + bad + "/subnets", "{\"" + SEED_SUBNET + "\":\"br0\"}"));
            out.add(Arguments.of("DELETE", "/hypervisors/" + bad + "/subnets/" + SEED_SUBNET, null));
            out.add(Arguments.of("GET", "/hypervisors/" + bad + "/guests", null));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("endpointsWithBadId")
    void givenPathIdNotUuid_anyEndpoint_returns400(String method, String path, String body) {
        assertError(send(method, path, body), 400);
    }

    @Test
    void givenNoId_post_createsRandomLowercaseUuidWithLocationAndEtag() {
        String body = "{\"ip\":\"10.2.3.4\"}";
        Resp r = send("POST", "/hypervisors", body);
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        String id = r.json().get("id").textValue();
        assertThat(id).matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
        assertThat(r.header("Location")).isEqualTo("/hypervisors/" + id);
        assertThat(r.header("ETag")).matches("\"[0-9]+\"");
        assertRecordShape(r.json());
        assertThat(r.json()).isEqualTo(tree("{\"id\":\"" + id + "\",\"metadata\":{},\"ip\":\"10.2.3.4\",\"netmask\":\"\","
                + "\"gateway\":\"\",\"mac\":\"\",\"total_resources\":{\"memory\":0,\"disk\":0,\"cpu\":0},"
                + "\"available_resources\":{\"memory\":0,\"disk\":0,\"cpu\":0}}"));
        assertThat(fetch(id)).isEqualTo(r.json());
        Resp second = send("POST", "/hypervisors", body);
        assertThat(second.status()).isEqualTo(201);
        assertThat(second.json().get("id").textValue()).isNotEqualTo(id);
    }

    @Test
    void givenId_post_returns201WithLocationAndEtag() {
        String id = newId();
        Resp r = send("POST", "/hypervisors", seedRecord(id));
        assertThat(r.status()).isEqualTo(201);
        assertThat(r.header("Location")).isEqualTo("/hypervisors/" + id);
        assertThat(r.header("ETag")).matches("\"[0-9]+\"");
    }

    // ================================================================ addresses

    @ParameterizedTest(name = "{0} {1} -> {2}")
    @MethodSource("goodAddresses")
    void givenValidAddress_postAndPatch_storeCanonicalForm(String field, String given, String canonical) {
        String id = newId();
        ObjectNode body = (ObjectNode) tree("{\"id\":\"" + id + "\"}");
        body.put(field, given);
        JsonNode created = createWith(json(body));
        assertThat(created.get(field).textValue()).isEqualTo(canonical);
        assertThat(fetch(id).get(field).textValue()).isEqualTo(canonical);

        String other = newId();
        create(other);
        Resp patched = send("PATCH", "/hypervisors/" + other, json(Map.of(field, given)));
        assertThat(patched.status()).as(patched.toString()).isEqualTo(200);
        assertThat(patched.json().get(field).textValue()).isEqualTo(canonical);
        assertThat(fetch(other).get(field).textValue()).isEqualTo(canonical);
    }

    static Stream<Arguments> goodAddresses() {
        List<Arguments> out = new ArrayList<>();
        for (String field : List.of("ip", "netmask", "gateway")) {
            out.add(Arguments.of(field, "10.100.101.35", "10.100.101.35"));
            out.add(Arguments.of(field, "255.255.255.0", "255.255.255.0"));
            out.add(Arguments.of(field, "2001:DB8::0:1", "2001:db8::1"));
            out.add(Arguments.of(field, "2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"));
            out.add(Arguments.of(field, "::1", "::1"));
            out.add(Arguments.of(field, "", ""));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("badAddresses")
    void givenBadAddress_postAndPatch_return400AndStoreNothing(String field, String bad) {
        String id = newId();
        ObjectNode body = (ObjectNode) tree("{\"id\":\"" + id + "\"}");
        body.put(field, bad);
        assertError(send("POST", "/hypervisors", json(body)), 400);
        assertThat(storedUnder(id)).isEmpty();

        String other = newId();
        JsonNode before = create(other);
        assertError(send("PATCH", "/hypervisors/" + other, json(Map.of(field, bad, "mac", "02:00:00:00:00:01"))), 400);
        assertThat(fetch(other)).isEqualTo(before);
    }

    static Stream<Arguments> badAddresses() {
        List<Arguments> out = new ArrayList<>();
        for (String field : List.of("ip", "netmask", "gateway")) {
            for (String bad : List.of(
                    "10.0.0.256", "10.0.0", "1.2.3.4.5", "hello", "::1::2", "2001:db8::g", " 10.0.0.1", "localhost")) {
                out.add(Arguments.of(field, bad));
            }
        }
        return out.stream();
    }

    @ParameterizedTest
    @ValueSource(strings = {"ip", "netmask", "gateway", "mac"})
    void givenNonStringAddress_post_returns400(String field) {
        String id = newId();
        assertError(send("POST", "/hypervisors", "{\"id\":\"" + id + "\",\"" + field + "\":167772161}"), 400);
        assertError(send("POST", "/hypervisors", "{\"id\":\"" + id + "\",\"" + field + "\":[\"10.0.0.1\"]}"), 400);
        assertThat(storedUnder(id)).isEmpty();
    }

    @Test
    void givenUnsetAddresses_get_readsBackEmptyStrings() {
        String id = newId();
        JsonNode created = createWith("{\"id\":\"" + id + "\"}");
        for (String f : List.of("ip", "netmask", "gateway", "mac")) {
            assertThat(created.get(f).textValue()).isEmpty();
        }
        assertThat(fetch(id)).isEqualTo(created);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("goodMacs")
    void givenValidMac_post_returnsLowercaseColonSeparated(String given, String canonical) {
        String id = newId();
        JsonNode created = createWith(json(Map.of("id", id, "mac", given)));
        assertThat(created.get("mac").textValue()).isEqualTo(canonical);
        assertThat(fetch(id).get("mac").textValue()).isEqualTo(canonical);
    }

    static Stream<Arguments> goodMacs() {
        return Stream.of(
                Arguments.of("01-23-45-67-89-AB", "01:23:45:67:89:ab"),
                Arguments.of("01:23:45:67:89:AB", "01:23:45:67:89:ab"),
                Arguments.of("01:23:45:67:89:ab", "01:23:45:67:89:ab"),
                Arguments.of("0123.4567.89AB", "01:23:45:67:89:ab"),
                Arguments.of("", ""));
    }

    @ParameterizedTest
    @ValueSource(strings = {"01:23:45:67:89", "zz:23:45:67:89:ab", "0123456789ab", "hello", "01:23:45:67:89:ab:",
        "01:23-45:67:89:ab", "1:23:45:67:89:ab"})
    void givenBadMac_postAndPatch_return400(String bad) {
        String id = newId();
        assertError(send("POST", "/hypervisors", json(Map.of("id", id, "mac", bad))), 400);
        assertThat(storedUnder(id)).isEmpty();
        String other = newId();
        JsonNode before = create(other);
        assertError(send("PATCH", "/hypervisors/" + other, json(Map.of("mac", bad))), 400);
        assertThat(fetch(other)).isEqualTo(before);
    }

    // ================================================================ metadata

    @Test
    void givenStringMetadata_post_storesIt() {
        String id = newId();
        JsonNode created = createWith(
                "{\"id\":\"" + id + "\",\"metadata\":{\"b\":\"2\",\"a\":\"1\",\"empty\":\"\",\"ü\":\"ß ☃\"}}");
        assertThat(created.get("metadata")).isEqualTo(tree("{\"a\":\"1\",\"b\":\"2\",\"empty\":\"\",\"ü\":\"ß ☃\"}"));
        assertThat(fetch(id).get("metadata")).isEqualTo(created.get("metadata"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"a\":1}", "{\"a\":true}", "{\"a\":{\"b\":\"c\"}}", "{\"a\":[\"b\"]}",
        "{\"ok\":\"x\",\"a\":1.5}", "\"a=b\"", "[\"a\"]", "42"})
    void givenNonStringMetadata_postAndPatch_return400(String metadata) {
        String id = newId();
        assertError(send("POST", "/hypervisors", "{\"id\":\"" + id + "\",\"metadata\":" + metadata + "}"), 400);
        assertThat(storedUnder(id)).isEmpty();
        String other = newId();
        JsonNode before = create(other);
        assertError(send("PATCH", "/hypervisors/" + other, "{\"metadata\":" + metadata + "}"), 400);
        assertThat(fetch(other)).isEqualTo(before);
    }

    // ================================================================ resources

    /** Go's uint64 edges: 0, 2^63-1, 2^63 (a long's sign bit) and 2^64-1 (an agent's wrapped 0 - 1). */
    static Stream<String> uint64Edges() {
        return Stream.of("0", "9223372036854775807", "9223372036854775808", "18446744073709551615");
    }

    @ParameterizedTest(name = "memory = disk = {0}")
    @MethodSource("uint64Edges")
    @DisplayName("memory and disk round-trip exactly through POST, GET, the list, PATCH and the store")
    void givenUint64Resources_postPatchGetListAndStore_keepThemExactly(String n) {
        String id = newId();
        String big = "{\"memory\":" + n + ",\"disk\":" + n + ",\"cpu\":4294967295}";
        String small = "{\"memory\":1,\"disk\":2,\"cpu\":3}";
        Resp posted = send("POST", "/hypervisors",
                "{\"id\":\"" + id + "\",\"total_resources\":" + big + ",\"available_resources\":" + small + "}");
        assertThat(posted.status()).as(posted.toString()).isEqualTo(201);
        // Exactly the digits, as JSON numbers (not strings, not rounded, no sign).
        assertThat(posted.body()).contains("\"total_resources\":" + big);
        assertThat(posted.json().get("total_resources")).isEqualTo(tree(big));

        Resp got = get("/hypervisors/" + id);
        assertThat(got.body()).contains("\"total_resources\":" + big);
        assertThat(listedBody(id)).contains("\"total_resources\":" + big);

        Resp patched = send("PATCH", "/hypervisors/" + id, "{\"available_resources\":" + big + "}");
        assertThat(patched.status()).as(patched.toString()).isEqualTo(200);
        assertThat(patched.body()).contains("\"available_resources\":" + big);
        assertThat(get("/hypervisors/" + id).body()).contains("\"available_resources\":" + big)
                .contains("\"total_resources\":" + big);
        assertThat(listedBody(id)).contains("\"available_resources\":" + big);

        // The store holds Go's JSON: the same unsigned digits.
        String stored = storedUnder(id).get(prefix(id) + "metadata");
        assertThat(stored).contains("\"total_resources\":" + big).contains("\"available_resources\":" + big);
    }

    @ParameterizedTest(name = "{0}.{1} = {2}")
    @MethodSource("outOfUint64")
    @DisplayName("A resource outside Go's uint64/uint32 is a 400 that names the field")
    void givenResourceOutOfRange_post_return400NamingTheField(String field, String name, String bad) {
        String resources = "{\"memory\":1,\"disk\":1,\"cpu\":1}".replace("\"" + name + "\":1", "\"" + name + "\":" + bad);
        String id = newId();
        Resp r = send("POST", "/hypervisors", "{\"id\":\"" + id + "\",\"" + field + "\":" + resources + "}");
        assertError(r, 400);
        assertThat(r.json().get("message").textValue()).contains(field + "." + name)
                .contains(name.equals("cpu") ? "4294967295" : "18446744073709551615");
        assertThat(storedUnder(id)).isEmpty();
    }

    static Stream<Arguments> outOfUint64() {
        List<Arguments> out = new ArrayList<>();
        for (String field : List.of("total_resources", "available_resources")) {
            for (String name : List.of("memory", "disk")) {
                for (String bad : List.of("18446744073709551616", "-1", "-9223372036854775808",
                        "18446744073709551615.0", "1.8446744073709552E19", "99999999999999999999999")) {
                    out.add(Arguments.of(field, name, bad));
                }
            }
            out.add(Arguments.of(field, "cpu", "4294967296"));
            out.add(Arguments.of(field, "cpu", "18446744073709551615"));
            out.add(Arguments.of(field, "cpu", "-1"));
        }
        return out.stream();
    }

    @Test
    @DisplayName("A record with a wrapped uint64, written by a Go agent, is served, listed and patched")
    void givenRecordWithWrappedUint64FromGo_isServedListedAndPatched() {
        String id = newId();
        // What Go's encoding/json writes for an overcommitted hypervisor: available = total - usage
        // computed in uint64, so 1024 - 2048 wrapped to 2^64 - 1024.
        rawPut(prefix(id) + "metadata", "{\"id\":\"" + id + "\",\"metadata\":{},"
                + "\"ip\":\"10.0.0.1\",\"netmask\":\"255.255.255.0\",\"gateway\":\"10.0.0.254\","
                + "\"mac\":\"de:ad:be:ef:00:02\","
                + "\"total_resources\":{\"memory\":1024,\"disk\":18446744073709551615,\"cpu\":4294967295},"
                + "\"available_resources\":{\"memory\":18446744073709550592,\"disk\":9223372036854775808,\"cpu\":0}}");
        String total = "\"total_resources\":{\"memory\":1024,\"disk\":18446744073709551615,\"cpu\":4294967295}";
        String available = "\"available_resources\":{\"memory\":18446744073709550592,\"disk\":9223372036854775808,\"cpu\":0}";
        Resp got = get("/hypervisors/" + id);
        assertThat(got.status()).as(got.toString()).isEqualTo(200);
        assertThat(got.body()).contains(total).contains(available);
        assertThat(listedBody(id)).contains(total).contains(available);

        Resp patched = send("PATCH", "/hypervisors/" + id, "{\"metadata\":{\"rack\":\"r1\"}}");
        assertThat(patched.status()).as(patched.toString()).isEqualTo(200);
        assertThat(patched.body()).contains(total).contains(available).contains("\"rack\":\"r1\"");
        assertThat(storedUnder(id).get(prefix(id) + "metadata")).contains(total).contains(available);
    }

    /** The list's JSON text of hypervisor {@code id}, as the server wrote it (exact digits). */
    protected String listedBody(String id) {
        Resp list = get("/hypervisors");
        assertThat(list.status()).as(list.toString()).isEqualTo(200);
        int at = list.body().indexOf("{\"id\":\"" + id + "\"");
        assertThat(at).as("%s is listed", id).isNotNegative();
        int end = list.body().indexOf("{\"id\":", at + 1);
        return end < 0 ? list.body().substring(at) : list.body().substring(at, end);
    }

    @Test
    void givenZeroResources_post_storesZeros() {
        String id = newId();
        String zero = "{\"memory\":0,\"disk\":0,\"cpu\":0}";
        JsonNode created = createWith(
                "{\"id\":\"" + id + "\",\"total_resources\":" + zero + ",\"available_resources\":" + zero + "}");
        assertThat(created.get("total_resources")).isEqualTo(tree(zero));
        assertThat(created.get("available_resources")).isEqualTo(tree(zero));
    }

    static Stream<Arguments> badResources() {
        List<Arguments> out = new ArrayList<>();
        for (String field : List.of("total_resources", "available_resources")) {
            for (String name : List.of("memory", "disk", "cpu")) {
                for (String bad : List.of("-1", "1.5", "1.0", "1e3", "\"1024\"", "true", "{}", "[1]")) {
                    out.add(Arguments.of(field, name, bad));
                }
                out.add(Arguments.of(field, name, name.equals("cpu") ? "4294967296" : "18446744073709551616"));
                out.add(Arguments.of(field, name, "18446744073709551616"));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}.{1} = {2}")
    @MethodSource("badResources")
    void givenBadResource_postAndPatch_return400AndStoreNothing(String field, String name, String bad) {
        String resources = "{\"memory\":1,\"disk\":1,\"cpu\":1}".replace("\"" + name + "\":1", "\"" + name + "\":" + bad);
        String id = newId();
        assertError(send("POST", "/hypervisors", "{\"id\":\"" + id + "\",\"" + field + "\":" + resources + "}"), 400);
        assertThat(storedUnder(id)).isEmpty();
        String other = newId();
        JsonNode before = create(other);
        assertError(send("PATCH", "/hypervisors/" + other,
                "{\"ip\":\"10.9.9.9\",\"" + field + "\":" + resources + "}"), 400);
        assertThat(fetch(other)).isEqualTo(before);
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"1024\"", "1024", "[1,2,3]", "true"})
    void givenResourcesNotAnObject_post_returns400(String bad) {
        String id = newId();
        assertError(send("POST", "/hypervisors", "{\"id\":\"" + id + "\",\"total_resources\":" + bad + "}"), 400);
        assertThat(storedUnder(id)).isEmpty();
    }

    // ================================================================ null, absent, unknown fields

    @Test
    void givenNullFields_post_treatsThemAsNotGiven() {
        String id = newId();
        JsonNode created = createWith("{\"id\":\"" + id + "\",\"metadata\":null,\"ip\":null,\"netmask\":null,"
                + "\"gateway\":null,\"mac\":null,\"total_resources\":null,\"available_resources\":null}");
        assertThat(created).isEqualTo(tree("{\"id\":\"" + id + "\",\"metadata\":{},\"ip\":\"\",\"netmask\":\"\","
                + "\"gateway\":\"\",\"mac\":\"\",\"total_resources\":{\"memory\":0,\"disk\":0,\"cpu\":0},"
                + "\"available_resources\":{\"memory\":0,\"disk\":0,\"cpu\":0}}"));
    }

    @Test
    void givenNullFields_patch_keepsCurrentValues() {
        String id = newId();
        JsonNode before = create(id);
        Resp r = send("PATCH", "/hypervisors/" + id, "{\"id\":null,\"metadata\":null,\"ip\":null,\"netmask\":null,"
                + "\"gateway\":null,\"mac\":null,\"total_resources\":null,\"available_resources\":null}");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.json()).isEqualTo(before);
        assertThat(fetch(id)).isEqualTo(before);
    }

    @Test
    void givenUnknownFields_postAndPatch_ignoreThem() {
        String id = newId();
        ObjectNode body = (ObjectNode) tree(seedRecord(id));
        body.put("unknown", 1);
        body.set("other", tree("{\"nested\":[1,\"two\",null]}"));
        body.put("config", "not-config");
        JsonNode created = createWith(json(body));
        assertThat(created).isEqualTo(tree(seedRecord(id)));
        assertRecordShape(created);
        Resp r = send("PATCH", "/hypervisors/" + id, "{\"whatever\":[1,2],\"ip\":\"10.7.7.7\"}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("ip").textValue()).isEqualTo("10.7.7.7");
        assertThat(fieldNames(r.json())).containsExactlyElementsOf(RECORD_FIELDS);
    }

    // ================================================================ PATCH

    @Test
    void givenHypervisor_patchOneField_replacesItAndKeepsTheRest() {
        String id = newId();
        JsonNode before = create(id);
        Resp r = send("PATCH", "/hypervisors/" + id, "{\"gateway\":\"10.100.101.1\"}");
        assertThat(r.status()).isEqualTo(200);
        ObjectNode expected = before.deepCopy();
        expected.put("gateway", "10.100.101.1");
        assertThat(r.json()).isEqualTo(expected);
        assertThat(fetch(id)).isEqualTo(expected);
    }

    @Test
    void givenHypervisor_patchEveryField_replacesAll() {
        String id = newId();
        create(id);
        String body = "{\"metadata\":{\"x\":\"y\"},\"ip\":\"10.0.0.2\",\"netmask\":\"255.0.0.0\",\"gateway\":\"10.0.0.1\","
                + "\"mac\":\"02:00:00:00:00:02\",\"total_resources\":{\"memory\":8,\"disk\":9,\"cpu\":10},"
                + "\"available_resources\":{\"memory\":5,\"disk\":6,\"cpu\":7}}";
        Resp r = send("PATCH", "/hypervisors/" + id, body);
        assertThat(r.status()).isEqualTo(200);
        ObjectNode expected = (ObjectNode) tree(body);
        expected.put("id", id);
        assertThat(r.json()).isEqualTo(expected);
        assertRecordShape(r.json());
        assertThat(fetch(id)).isEqualTo(expected);
    }

    @Test
    void givenMetadata_patchMetadata_replacesTheWholeMap() {
        String id = newId();
        createWith("{\"id\":\"" + id + "\",\"metadata\":{\"a\":\"1\",\"b\":\"2\"}}");
        Resp r = send("PATCH", "/hypervisors/" + id, "{\"metadata\":{\"c\":\"3\"}}");
        assertThat(r.json().get("metadata")).isEqualTo(tree("{\"c\":\"3\"}"));
        assertThat(fetch(id).get("metadata")).isEqualTo(tree("{\"c\":\"3\"}"));
        Resp cleared = send("PATCH", "/hypervisors/" + id, "{\"metadata\":{}}");
        assertThat(cleared.json().get("metadata")).isEqualTo(tree("{}"));
    }

    @Test
    void givenResources_patchOneResourceObject_replacesThatObjectWhole() {
        String id = newId();
        JsonNode before = create(id);
        Resp r = send("PATCH", "/hypervisors/" + id, "{\"total_resources\":{\"memory\":5}}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("total_resources")).isEqualTo(tree("{\"memory\":5,\"disk\":0,\"cpu\":0}"));
        assertThat(r.json().get("available_resources")).isEqualTo(before.get("available_resources"));
    }

    @Test
    void givenHypervisor_patchEmptyObject_changesNothing() {
        String id = newId();
        JsonNode before = create(id);
        Resp r = send("PATCH", "/hypervisors/" + id, "{}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json()).isEqualTo(before);
        assertThat(fetch(id)).isEqualTo(before);
    }

    @Test
    void givenAddresses_patchWithEmptyString_unsetsThem() {
        String id = newId();
        create(id);
        Resp r = send("PATCH", "/hypervisors/" + id, "{\"ip\":\"\",\"netmask\":\"\",\"gateway\":\"\",\"mac\":\"\"}");
        assertThat(r.status()).isEqualTo(200);
        for (String f : List.of("ip", "netmask", "gateway", "mac")) {
            assertThat(r.json().get(f).textValue()).isEmpty();
            assertThat(fetch(id).get(f).textValue()).isEmpty();
        }
    }

    @Test
    void givenBodyIdDifferentFromPath_patch_returns400AndChangesNothing() {
        String id = newId();
        JsonNode before = create(id);
        String other = newId();
        assertError(send("PATCH", "/hypervisors/" + id, "{\"id\":\"" + other + "\",\"ip\":\"10.5.5.5\"}"), 400);
        assertThat(fetch(id)).isEqualTo(before);
        assertThat(storedUnder(other)).isEmpty();
        assertError(send("PATCH", "/hypervisors/" + id, "{\"id\":\"not-a-uuid\",\"ip\":\"10.5.5.5\"}"), 400);
        assertError(send("PATCH", "/hypervisors/" + id, "{\"id\":42,\"ip\":\"10.5.5.5\"}"), 400);
        assertThat(fetch(id)).isEqualTo(before);
    }

    @Test
    void givenBodyIdSameAsPathInAnyCase_patch_isAccepted() {
        String id = newId();
        create(id);
        Resp upper = send("PATCH", "/hypervisors/" + id, "{\"id\":\"" + id.toUpperCase(Locale.ROOT)
                + "\",\"ip\":\"10.5.5.5\"}");
        assertThat(upper.status()).as(upper.toString()).isEqualTo(200);
        assertThat(upper.json().get("ip").textValue()).isEqualTo("10.5.5.5");
        assertThat(upper.json().get("id").textValue()).isEqualTo(id);
        Resp same = send("PATCH", "/hypervisors/" + id.toUpperCase(Locale.ROOT), "{\"id\":\"" + id
                + "\",\"ip\":\"10.5.5.6\"}");
        assertThat(same.status()).as(same.toString()).isEqualTo(200);
        assertThat(fetch(id).get("ip").textValue()).isEqualTo("10.5.5.6");
    }

    @Test
    void givenExistingId_post_returns409AndLeavesRecordUntouched() {
        String id = newId();
        JsonNode before = create(id);
        send("PATCH", "/hypervisors/" + id + "/config", "{\"k\":\"v\"}");
        Map<String, String> stored = storedUnder(id);
        assertError(send("POST", "/hypervisors", "{\"id\":\"" + id + "\",\"ip\":\"10.6.6.6\"}"), 409);
        assertError(send("POST", "/hypervisors", "{\"id\":\"" + id.toUpperCase(Locale.ROOT) + "\"}"), 409);
        assertThat(fetch(id)).isEqualTo(before);
        assertThat(storedUnder(id)).isEqualTo(stored);
    }

    // ================================================================ config

    @Test
    void givenConfig_patch_setsDeletesAndReturnsWholeConfig() {
        String id = newId();
        create(id);
        String path = "/hypervisors/" + id + "/config";
        assertThat(get(path).json()).isEqualTo(tree("{}"));
        Resp first = send("PATCH", path, "{\"a\":\"1\",\"b\":\"2\",\"c\":\"3\"}");
        assertThat(first.status()).isEqualTo(200);
        assertThat(first.json()).isEqualTo(tree("{\"a\":\"1\",\"b\":\"2\",\"c\":\"3\"}"));
        Resp second = send("PATCH", path, "{\"a\":\"\",\"b\":\"two\",\"d\":\"4\",\"missing\":\"\"}");
        assertThat(second.status()).isEqualTo(200);
        assertThat(second.json()).isEqualTo(tree("{\"b\":\"two\",\"c\":\"3\",\"d\":\"4\"}"));
        assertThat(get(path).json()).isEqualTo(tree("{\"b\":\"two\",\"c\":\"3\",\"d\":\"4\"}"));
        Resp empty = send("PATCH", path, "{}");
        assertThat(empty.status()).isEqualTo(200);
        assertThat(empty.json()).isEqualTo(tree("{\"b\":\"two\",\"c\":\"3\",\"d\":\"4\"}"));
        assertThat(storedUnder(id)).containsEntry(prefix(id) + "config/b", "two")
                .doesNotContainKey(prefix(id) + "config/a");
    }

    @Test
    void givenConfigPatch_recordIsNotChanged() {
        String id = newId();
        JsonNode before = create(id);
        send("PATCH", "/hypervisors/" + id + "/config", "{\"ip\":\"1.1.1.1\",\"metadata\":\"x\"}");
        assertThat(fetch(id)).isEqualTo(before);
    }

    @Test
    void givenKeysOfOneAnd256Characters_configPatch_acceptsThem() {
        String id = newId();
        create(id);
        String longKey = "k".repeat(256);
        Map<String, String> body = new LinkedHashMap<>();
        body.put("x", "1");
        body.put(longKey, "2");
        body.put("with space", "3");
        body.put("ü-ß.☃", "4");
        body.put("...", "5");
        body.put("a?b%2Fc#d&e=f+g", "6");
        body.put("-", "value with / slash and \"quotes\"");
        Resp r = send("PATCH", "/hypervisors/" + id + "/config", json(body));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.json()).isEqualTo(MAPPER.valueToTree(body));
        assertThat(get("/hypervisors/" + id + "/config").json()).isEqualTo(MAPPER.valueToTree(body));
    }

    static Stream<String> badConfigKeys() {
        return Stream.of("", "k".repeat(257), "a/b", "/", "../metadata", ".", "..", "a\u0001b", "tab\there",
                "new\nline", "\u007f", "nul\u0000");
    }

    @ParameterizedTest
    @MethodSource("badConfigKeys")
    void givenBadConfigKey_configPatch_returns400AndAppliesNothing(String bad) {
        String id = newId();
        JsonNode before = create(id);
        String path = "/hypervisors/" + id + "/config";
        send("PATCH", path, "{\"keep\":\"me\"}");
        Map<String, String> stored = storedUnder(id);
        Map<String, String> body = new LinkedHashMap<>();
        body.put("ok", "1");
        body.put(bad, "x");
        body.put("keep", "");
        assertError(send("PATCH", path, json(body)), 400);
        assertThat(get(path).json()).isEqualTo(tree("{\"keep\":\"me\"}"));
        assertThat(fetch(id)).isEqualTo(before);
        assertThat(storedUnder(id)).isEqualTo(stored);
    }

    @Test
    void givenTraversalKey_configPatch_cannotTouchTheRecord() {
        String id = newId();
        JsonNode before = create(id);
        String path = "/hypervisors/" + id + "/config";
        assertError(send("PATCH", path, "{\"ok\":\"1\",\"../metadata\":\"x\"}"), 400);
        assertThat(get(path).json()).isEqualTo(tree("{}"));
        assertThat(fetch(id)).isEqualTo(before);
        assertThat(storedUnder(id)).containsOnlyKeys(prefix(id) + "metadata");
    }

    @ParameterizedTest
    @ValueSource(strings = {"1", "1.5", "true", "{\"a\":\"b\"}", "[\"a\"]"})
    void givenNonStringConfigValue_configPatch_returns400AndAppliesNothing(String value) {
        String id = newId();
        create(id);
        String path = "/hypervisors/" + id + "/config";
        assertError(send("PATCH", path, "{\"ok\":\"1\",\"bad\":" + value + "}"), 400);
        assertThat(get(path).json()).isEqualTo(tree("{}"));
    }

    // ================================================================ subnets

    @Test
    void givenSubnets_patch_addsToTheMapAndReturnsWholeMap() {
        String id = newId();
        create(id);
        String path = "/hypervisors/" + id + "/subnets";
        String s1 = newId();
        String s2 = newId();
        String s3 = newId();
        Resp first = send("PATCH", path, json(Map.of(s1, "br0")));
        assertThat(first.status()).isEqualTo(200);
        assertThat(first.json()).isEqualTo(MAPPER.valueToTree(Map.of(s1, "br0")));
        Resp second = send("PATCH", path, json(Map.of(s2, "br1", s3, "br2")));
        assertThat(second.status()).isEqualTo(200);
        assertThat(second.json()).isEqualTo(MAPPER.valueToTree(Map.of(s1, "br0", s2, "br1", s3, "br2")));
        Resp overwrite = send("PATCH", path, json(Map.of(s1, "br9")));
        assertThat(overwrite.json()).isEqualTo(MAPPER.valueToTree(Map.of(s1, "br9", s2, "br1", s3, "br2")));
        Resp empty = send("PATCH", path, "{}");
        assertThat(empty.status()).isEqualTo(200);
        assertThat(empty.json()).isEqualTo(MAPPER.valueToTree(Map.of(s1, "br9", s2, "br1", s3, "br2")));
        assertThat(get(path).json()).isEqualTo(MAPPER.valueToTree(Map.of(s1, "br9", s2, "br1", s3, "br2")));
    }

    @Test
    void givenUpperCaseSubnetId_patch_storesAndReturnsLowercase() {
        String id = newId();
        create(id);
        String subnet = newId();
        Resp r = send("PATCH", "/hypervisors/" + id + "/subnets",
                json(Map.of(subnet.toUpperCase(Locale.ROOT), "br0")));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.json()).isEqualTo(MAPPER.valueToTree(Map.of(subnet, "br0")));
        assertThat(get("/hypervisors/" + id + "/subnets").json()).isEqualTo(MAPPER.valueToTree(Map.of(subnet, "br0")));
        assertThat(storedUnder(id)).containsEntry(prefix(id) + "subnets/" + subnet, "br0");
        Resp deleted = send("DELETE", "/hypervisors/" + id + "/subnets/" + subnet.toUpperCase(Locale.ROOT), null);
        assertThat(deleted.status()).as(deleted.toString()).isEqualTo(200);
        assertThat(deleted.json()).isEqualTo(tree("{}"));
    }

    @Test
    void givenFifteenCharacterBridge_subnetsPatch_acceptsIt() {
        String id = newId();
        create(id);
        String subnet = newId();
        Resp r = send("PATCH", "/hypervisors/" + id + "/subnets", json(Map.of(subnet, "b".repeat(15))));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.json().get(subnet).textValue()).isEqualTo("b".repeat(15));
    }

    static Stream<Arguments> badSubnets() {
        String good = UUID.randomUUID().toString();
        return Stream.of(
                Arguments.of("not-a-uuid", "\"br0\""),
                Arguments.of("", "\"br0\""),
                Arguments.of(good.replace("-", ""), "\"br0\""),
                Arguments.of(good, "\"\""),
                Arguments.of(good, "\"" + "b".repeat(16) + "\""),
                Arguments.of(good, "\"br/0\""),
                Arguments.of(good, "\"br 0\""),
                Arguments.of(good, "\".\""),
                Arguments.of(good, "\"..\""),
                Arguments.of(good, "\"br\\u00010\""),
                Arguments.of(good, "1"),
                Arguments.of(good, "null"),
                Arguments.of(good, "{\"a\":\"b\"}"));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("badSubnets")
    void givenBadSubnet_subnetsPatch_returns400AndAppliesNothing(String subnet, String bridge) {
        String id = newId();
        create(id);
        String path = "/hypervisors/" + id + "/subnets";
        String existing = newId();
        send("PATCH", path, json(Map.of(existing, "br0")));
        String fine = newId();
        String body = "{\"" + fine + "\":\"br1\",\"" + subnet + "\":" + bridge + "}";
        assertError(send("PATCH", path, body), 400);
        assertThat(get(path).json()).isEqualTo(MAPPER.valueToTree(Map.of(existing, "br0")));
        assertThat(storedUnder(id)).doesNotContainKey(prefix(id) + "subnets/" + fine);
    }

    @Test
    void givenSubnets_deleteOne_returnsRemainingMap() {
        String id = newId();
        create(id);
        String path = "/hypervisors/" + id + "/subnets";
        String s1 = newId();
        String s2 = newId();
        send("PATCH", path, json(Map.of(s1, "br0", s2, "br1")));
        Resp r = send("DELETE", path + "/" + s1, null);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json()).isEqualTo(MAPPER.valueToTree(Map.of(s2, "br1")));
        assertThat(get(path).json()).isEqualTo(MAPPER.valueToTree(Map.of(s2, "br1")));
    }

    @Test
    void givenUnassignedSubnet_delete_returns404() {
        String id = newId();
        create(id);
        String path = "/hypervisors/" + id + "/subnets";
        String s1 = newId();
        send("PATCH", path, json(Map.of(s1, "br0")));
        assertError(send("DELETE", path + "/" + newId(), null), 404);
        assertThat(get(path).json()).isEqualTo(MAPPER.valueToTree(Map.of(s1, "br0")));
        send("DELETE", path + "/" + s1, null);
        assertError(send("DELETE", path + "/" + s1, null), 404);
    }

    @ParameterizedTest
    @ValueSource(strings = {"not-a-uuid", "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz", "c6430cba648a41aaaeeb59dacfc790d0"})
    void givenNonUuidSubnetId_delete_returns400(String bad) {
        String id = newId();
        create(id);
        assertError(send("DELETE", "/hypervisors/" + id + "/subnets/" + bad, null), 400);
    }

    // ================================================================ guests

    @Test
    void givenNoGuests_guests_returnsEmptyArray() {
        String id = newId();
        create(id);
        Resp r = get("/hypervisors/" + id + "/guests");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json()).isEqualTo(tree("[]"));
    }

    @Test
    void givenGuests_guests_returnsSortedGuestIds() {
        String id = newId();
        create(id);
        List<String> guests = new ArrayList<>(List.of(newId(), newId(), newId(), newId(), newId()));
        for (String g : guests) {
            rawPut(prefix(id) + "guests/" + g, "");
        }
        Collections.sort(guests);
        Resp r = get("/hypervisors/" + id + "/guests");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json()).isEqualTo(MAPPER.valueToTree(guests));
    }

    // ================================================================ DELETE

    @Test
    void givenRecordConfigAndSubnets_delete_returnsRecordAndRemovesEverything() {
        String id = newId();
        JsonNode record = create(id);
        send("PATCH", "/hypervisors/" + id + "/config", "{\"a\":\"1\",\"b\":\"2\"}");
        send("PATCH", "/hypervisors/" + id + "/subnets", json(Map.of(newId(), "br0", newId(), "br1")));
        assertThat(storedUnder(id)).hasSize(5);
        Resp r = send("DELETE", "/hypervisors/" + id, null);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json()).isEqualTo(record);
        assertRecordShape(r.json());
        assertThat(storedUnder(id)).isEmpty();
        assertError(get("/hypervisors/" + id), 404);
        assertError(get("/hypervisors/" + id + "/config"), 404);
        assertError(get("/hypervisors/" + id + "/subnets"), 404);
        assertError(send("DELETE", "/hypervisors/" + id, null), 404);
        assertThat(get("/hypervisors").json().findValuesAsText("id")).doesNotContain(id);
    }

    @Test
    void givenGuests_delete_returns409AndRemovesNothing() {
        String id = newId();
        create(id);
        send("PATCH", "/hypervisors/" + id + "/config", "{\"a\":\"1\"}");
        send("PATCH", "/hypervisors/" + id + "/subnets", json(Map.of(newId(), "br0")));
        String guest = newId();
        rawPut(prefix(id) + "guests/" + guest, "");
        Map<String, String> stored = storedUnder(id);
        assertError(send("DELETE", "/hypervisors/" + id, null), 409);
        assertThat(storedUnder(id)).isEqualTo(stored);
        rawDelete(prefix(id) + "guests/" + guest);
        assertThat(send("DELETE", "/hypervisors/" + id, null).status()).isEqualTo(200);
        assertThat(storedUnder(id)).isEmpty();
    }

    @Test
    void givenDeletedHypervisor_postSameId_startsAfresh() {
        String id = newId();
        create(id);
        send("PATCH", "/hypervisors/" + id + "/config", "{\"a\":\"1\"}");
        send("DELETE", "/hypervisors/" + id, null);
        JsonNode again = createWith("{\"id\":\"" + id + "\"}");
        assertThat(again.get("ip").textValue()).isEmpty();
        assertThat(get("/hypervisors/" + id + "/config").json()).isEqualTo(tree("{}"));
    }

    // ================================================================ errors

    static Stream<Arguments> everyEndpoint() {
        return Stream.of(
                Arguments.of("GET", "", null),
                Arguments.of("PATCH", "", "{\"ip\":\"10.0.0.1\"}"),
                Arguments.of("DELETE", "", null),
                Arguments.of("GET", "/config", null),
                Arguments.of("PATCH", "/config", "{\"a\":\"b\"}"),
                Arguments.of("GET", "/subnets", null),
                Arguments.of("PATCH", "/subnets", "{\"" + SEED_SUBNET + "\":\"br0\"}"),
                Arguments.of("DELETE", "/subnets/" + SEED_SUBNET, null),
                Arguments.of("GET", "/guests", null));
    }

    @ParameterizedTest(name = "{0} /hypervisors/'{id}'{1}")
    @MethodSource("everyEndpoint")
    void givenUnknownHypervisor_anyEndpoint_returns404AndCreatesNothing(String method, String suffix, String body) {
        String id = newId();
        assertError(send(method, "/hypervisors/" + id + suffix, body), 404);
        assertError(send(method, "/hypervisors/" + id.toUpperCase(Locale.ROOT) + suffix, body), 404);
        assertThat(storedUnder(id)).isEmpty();
    }

    static Stream<Arguments> badBodies() {
        List<String> bodies = List.of("", " ", " \n\t\r\n ", "{", "{\"ip\":}", "not json", "{'ip':'10.0.0.1'}",
                "[]", "[{\"ip\":\"10.0.0.1\"}]", "\"string\"", "42", "true", "null", "{\"a\":\"1\"} x",
                "{\"ip\":\"10.0.0.1\",\"ip\":\"10.0.0.2\"}");
        List<Arguments> out = new ArrayList<>();
        for (String b : bodies) {
            out.add(Arguments.of("POST", "", b));
            out.add(Arguments.of("PATCH", "/{id}", b));
            out.add(Arguments.of("PATCH", "/{id}/config", b));
            out.add(Arguments.of("PATCH", "/{id}/subnets", b));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1}: [{2}]")
    @MethodSource("badBodies")
    void givenMalformedOrWrongTypeBody_anyWrite_returns400AndChangesNothing(String method, String suffix, String body) {
        String id = newId();
        JsonNode before = create(id);
        Map<String, String> stored = storedUnder(id);
        String path = "/hypervisors" + suffix.replace("{id}", id);
        assertError(send(method, path, body), 400);
        assertThat(fetch(id)).isEqualTo(before);
        assertThat(storedUnder(id)).isEqualTo(stored);
    }

    @ParameterizedTest
    @ValueSource(strings = {"{} {}", "{\"ip\":\"10.0.0.1\"}{\"ip\":\"10.0.0.2\"}", "{\"a\":\"b\"} []"})
    void givenTrailingJsonValue_write_returns400AndChangesNothing(String body) {
        String id = newId();
        JsonNode before = create(id);
        for (String path : List.of("/hypervisors/" + id, "/hypervisors/" + id + "/config",
                "/hypervisors/" + id + "/subnets")) {
            Resp r = send("PATCH", path, body);
            assertThat(r.status()).as(r.toString()).isEqualTo(400);
            assertThat(r.json().get("code").asInt()).isEqualTo(400);
        }
        assertThat(fetch(id)).isEqualTo(before);
        assertThat(storedUnder(id)).containsOnlyKeys(prefix(id) + "metadata");
    }

    @ParameterizedTest
    @ValueSource(strings = {"{} {}", "{", "[", "{\"a\":NaN}", "{\"a\":\"b\"} []"})
    void givenMalformedJson_write_messageDoesNotExposeParserInternals(String body) {
        Resp r = send("POST", "/hypervisors", body);
        assertError(r, 400);
        assertThat(r.json().get("message").textValue())
                .doesNotContain("com.fasterxml")
                .doesNotContain("Feature")
                .doesNotContain("REDACTED")
                .doesNotContain("`");
    }

    @Test
    @DisplayName("Strings that are not valid Unicode (lone surrogates) are refused with 400 or read back exactly")
    void givenLoneSurrogateInStrings_writes_refuseOrRoundTripExactly() {
        String id = newId();
        create(id);
        Resp meta = send("PATCH", "/hypervisors/" + id, "{\"metadata\":{\"k\":\"a\\ud800b\",\"\\udc00\":\"v\"}}");
        if (meta.status() == 200) {
            assertThat(fetch(id).get("metadata")).isEqualTo(meta.json().get("metadata"));
            assertThat(get("/hypervisors/" + id).body()).isEqualTo(meta.body());
        } else {
            assertError(meta, 400);
        }
        Resp config = send("PATCH", "/hypervisors/" + id + "/config", "{\"k\":\"a\\ud800b\"}");
        if (config.status() == 200) {
            assertThat(get("/hypervisors/" + id + "/config").json()).isEqualTo(config.json());
        } else {
            assertError(config, 400);
        }
        assertError(send("PATCH", "/hypervisors/" + id + "/config", "{\"a\\ud800\":\"v\"}"), 400);
    }

    /** Sends raw bytes over a socket (for requests the JDK client refuses to build). */
    protected Resp rawRequest(String request) {
        try (java.net.Socket socket = new java.net.Socket(base.getHost(), base.getPort())) {
            socket.setSoTimeout(30_000);
            socket.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            String response = new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            int headerEnd = response.indexOf("\r\n\r\n");
            String head = headerEnd < 0 ? response : response.substring(0, headerEnd);
            String body = headerEnd < 0 ? "" : response.substring(headerEnd + 4);
            String[] lines = head.split("\r\n");
            int status = Integer.parseInt(lines[0].split(" ")[1]);
            Map<String, List<String>> headers = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                if (colon > 0) {
                    headers.computeIfAbsent(lines[i].substring(0, colon).trim(), k -> new ArrayList<>())
                            .add(lines[i].substring(colon + 1).trim());
                }
            }
            String shown = request.length() > 120 ? request.substring(0, 120) + "..." : request;
            return new Resp(shown.replace("\r\n", " | "), status, HttpHeaders.of(headers, (a, b) -> true), body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    @DisplayName("Requests refused before routing (bad escapes, unknown Content-Encoding, huge headers or URIs) also"
            + " get the JSON error body")
    void givenRequestRefusedBeforeRouting_response_isJsonError() {
        String host = "Host: 127.0.0.1\r\nConnection: close\r\n";
        List<Resp> responses = List.of(
                rawRequest("GET /hypervisors/%zz HTTP/1.1\r\n" + host + "\r\n"),
                rawRequest("GET /hypervisors?a=%zz HTTP/1.1\r\n" + host + "\r\n"),
                rawRequest("POST /hypervisors HTTP/1.1\r\n" + host + "Content-Encoding: br\r\nContent-Length: 2\r\n\r\n{}"),
                rawRequest("GET /hypervisors HTTP/1.1\r\n" + host + "X-Big: " + "a".repeat(20_000) + "\r\n\r\n"),
                rawRequest("GET /hypervisors/" + "a".repeat(10_000) + " HTTP/1.1\r\n" + host + "\r\n"),
                rawRequest("POST /hypervisors HTTP/1.1\r\n" + host
                        + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"));
        for (Resp r : responses) {
            assertThat(r.status()).as(r.toString()).isBetween(400, 499);
            assertError(r, r.status());
        }
    }

    @Test
    void givenNoBodyAtAll_writes_return400() {
        String id = newId();
        create(id);
        assertError(sendExactly("POST", "/hypervisors", null, Map.of()), 400);
        assertError(sendExactly("PATCH", "/hypervisors/" + id, null, Map.of()), 400);
        assertError(sendExactly("PATCH", "/hypervisors/" + id + "/config", null, Map.of()), 400);
        assertError(sendExactly("PATCH", "/hypervisors/" + id + "/subnets", null, Map.of()), 400);
    }

    @Test
    void givenBodyOver1MiB_writes_return413() {
        String id = newId();
        JsonNode before = create(id);
        String big = "{\"metadata\":{\"k\":\"" + "x".repeat(1 << 20) + "\"}}";
        assertError(send("POST", "/hypervisors", big), 413);
        assertError(send("PATCH", "/hypervisors/" + id, big), 413);
        assertError(send("PATCH", "/hypervisors/" + id + "/config", "{\"k\":\"" + "x".repeat(1 << 20) + "\"}"), 413);
        assertThat(fetch(id)).isEqualTo(before);
        assertThat(get("/hypervisors/" + id + "/config").json()).isEqualTo(tree("{}"));
    }

    // ---------------------------------------------------------------- per-request size limits (Limits)

    private static Map<String, String> entries(int n, int keyLength, int valueLength) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            String k = "k" + i;
            m.put(k + "x".repeat(Math.max(0, keyLength - k.length())), "v".repeat(valueLength));
        }
        return m;
    }

    /** A 413 whose message names the limit and its value; nothing stored. */
    private void assertOverLimit(Resp r, String named, int limit) {
        assertError(r, 413);
        assertThat(r.json().get("message").textValue()).as(r.toString()).contains(named).contains(Integer.toString(limit));
    }

    @Test
    @DisplayName("metadata at its limits is stored; one entry, one key byte or one value byte more is 413 naming the limit")
    void givenMetadataOverALimit_writes_return413NamingIt() {
        String id = newId();
        JsonNode before = create(id);
        Resp atLimits = send("PATCH", "/hypervisors/" + id,
                json(Map.of("metadata", entries(Limits.METADATA_ENTRIES, 8, 16))));
        assertThat(atLimits.status()).as(atLimits.toString()).isEqualTo(200);
        Map<String, String> big = new LinkedHashMap<>();
        big.put("k".repeat(Limits.METADATA_KEY_BYTES), "v".repeat(Limits.METADATA_VALUE_BYTES));
        assertThat(send("PATCH", "/hypervisors/" + id, json(Map.of("metadata", big))).status()).isEqualTo(200);
        JsonNode stored = fetch(id);

        assertOverLimit(send("PATCH", "/hypervisors/" + id,
                json(Map.of("metadata", entries(Limits.METADATA_ENTRIES + 1, 8, 1)))),
                "metadata entries", Limits.METADATA_ENTRIES);
        assertOverLimit(send("PATCH", "/hypervisors/" + id,
                json(Map.of("metadata", Map.of("k".repeat(Limits.METADATA_KEY_BYTES + 1), "v")))),
                "metadata key", Limits.METADATA_KEY_BYTES);
        // UTF-8 bytes, not characters: 2,049 two-byte characters are 4,098 bytes.
        assertOverLimit(send("PATCH", "/hypervisors/" + id,
                json(Map.of("metadata", Map.of("k", "\u00e9".repeat(Limits.METADATA_VALUE_BYTES / 2 + 1))))),
                "metadata value", Limits.METADATA_VALUE_BYTES);
        String other = newId();
        assertOverLimit(send("POST", "/hypervisors", json(Map.of("id", other,
                "metadata", entries(Limits.METADATA_ENTRIES + 1, 8, 1)))), "metadata entries", Limits.METADATA_ENTRIES);
        assertError(get("/hypervisors/" + other), 404);
        assertThat(fetch(id)).isEqualTo(stored);
        assertThat(stored).isNotEqualTo(before);
    }

    @Test
    @DisplayName("config: a value over its size, or more keys than one request may change, is 413 naming the limit")
    void givenConfigOverALimit_patch_returns413NamingIt() {
        String id = newId();
        create(id);
        String path = "/hypervisors/" + id + "/config";
        Map<String, String> atLimit = new LinkedHashMap<>();
        atLimit.put("big", "x".repeat(Limits.CONFIG_VALUE_BYTES));
        atLimit.putAll(entries(31, 4, 1));
        Resp ok = send("PATCH", path, json(atLimit));
        assertThat(ok.status()).as(ok.toString()).isEqualTo(200);
        JsonNode stored = get(path).json();

        assertOverLimit(send("PATCH", path, json(Map.of("big", "x".repeat(Limits.CONFIG_VALUE_BYTES + 1)))),
                "config value", Limits.CONFIG_VALUE_BYTES);
        assertOverLimit(send("PATCH", path, json(entries(Limits.CONFIG_KEYS_PER_REQUEST + 1, 4, 1))),
                "config keys", Limits.CONFIG_KEYS_PER_REQUEST);
        assertThat(get(path).json()).isEqualTo(stored);
    }

    @Test
    @DisplayName("subnets: more than one request may add is 413 naming the limit")
    void givenTooManySubnets_patch_returns413NamingIt() {
        String id = newId();
        create(id);
        Map<String, String> subnets = new LinkedHashMap<>();
        for (int i = 0; i <= Limits.SUBNETS_PER_REQUEST; i++) {
            subnets.put(UUID.randomUUID().toString(), "br0");
        }
        assertOverLimit(send("PATCH", "/hypervisors/" + id + "/subnets", json(subnets)),
                "subnets", Limits.SUBNETS_PER_REQUEST);
        assertThat(get("/hypervisors/" + id + "/subnets").json()).isEqualTo(tree("{}"));
    }

    @Test
    @DisplayName("a body that is not valid UTF-8 (an overlong '/', an encoded surrogate, a lone continuation byte) is 400")
    void givenInvalidUtf8Body_writes_return400() {
        String id = newId();
        create(id);
        for (byte[] bad : List.of(new byte[] {(byte) 0xc0, (byte) 0xaf}, new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80},
                new byte[] {(byte) 0x80}, new byte[] {(byte) 0xe0, (byte) 0x80, (byte) 0xaf})) {
            java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
            body.writeBytes("{\"a\":\"x".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            body.writeBytes(bad);
            body.writeBytes("y\"}".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            Resp r = rawRequest("PATCH /hypervisors/" + id + "/config HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                    + "Content-Length: " + body.size() + "\r\n\r\n" + new String(body.toByteArray(), java.nio.charset.StandardCharsets.ISO_8859_1));
            assertError(r, 400);
            assertThat(r.json().get("message").textValue()).contains("UTF-8");
        }
        assertThat(get("/hypervisors/" + id + "/config").json()).isEqualTo(tree("{}"));
    }

    @Test
    void givenBodyOfExactly1MiB_patch_isAccepted() {
        String id = newId();
        create(id);
        String body = "{\"ip\":\"10.0.0.1\"}";
        String padded = body + " ".repeat((1 << 20) - body.length());
        Resp r = send("PATCH", "/hypervisors/" + id, padded);
        assertThat(r.status()).as("status of a 1 MiB body").isEqualTo(200);
        assertThat(fetch(id).get("ip").textValue()).isEqualTo("10.0.0.1");
    }

    static Stream<Arguments> methodsNotServed() {
        String id = UUID.randomUUID().toString();
        return Stream.of(
                Arguments.of("PUT", "/hypervisors", List.of("GET", "HEAD", "POST", "OPTIONS")),
                Arguments.of("DELETE", "/hypervisors", List.of("GET", "HEAD", "POST", "OPTIONS")),
                Arguments.of("PATCH", "/hypervisors", List.of("GET", "HEAD", "POST", "OPTIONS")),
                Arguments.of("POST", "/hypervisors/" + id, List.of("GET", "HEAD", "PATCH", "DELETE", "OPTIONS")),
                Arguments.of("PUT", "/hypervisors/" + id, List.of("GET", "HEAD", "PATCH", "DELETE", "OPTIONS")),
                Arguments.of("PUT", "/hypervisors/" + id + "/config", List.of("GET", "HEAD", "PATCH", "OPTIONS")),
                Arguments.of("POST", "/hypervisors/" + id + "/config", List.of("GET", "HEAD", "PATCH", "OPTIONS")),
                Arguments.of("DELETE", "/hypervisors/" + id + "/config", List.of("GET", "HEAD", "PATCH", "OPTIONS")),
                Arguments.of("PUT", "/hypervisors/" + id + "/subnets", List.of("GET", "HEAD", "PATCH", "OPTIONS")),
                Arguments.of("POST", "/hypervisors/" + id + "/guests", List.of("GET", "HEAD", "OPTIONS")),
                Arguments.of("DELETE", "/hypervisors/" + id + "/guests", List.of("GET", "HEAD", "OPTIONS")),
                Arguments.of("GET", "/hypervisors/" + id + "/subnets/" + SEED_SUBNET, List.of("DELETE", "OPTIONS")),
                Arguments.of("PATCH", "/hypervisors/" + id + "/subnets/" + SEED_SUBNET, List.of("DELETE", "OPTIONS")));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("methodsNotServed")
    void givenMethodNotServed_request_returns405WithAllow(String method, String path, List<String> allowed) {
        Resp r = send(method, path, method.equals("GET") ? null : "{}");
        assertError(r, 405);
        assertThat(r.header("Allow")).as("Allow header of %s", r).isNotNull();
        assertThat(List.of(r.header("Allow").split("\\s*,\\s*"))).containsExactlyInAnyOrderElementsOf(allowed);
    }

    static Stream<Arguments> optionsPaths() {
        String id = UUID.randomUUID().toString();
        return Stream.of(
                Arguments.of("/hypervisors", List.of("GET", "HEAD", "POST", "OPTIONS")),
                Arguments.of("/hypervisors/" + id, List.of("GET", "HEAD", "PATCH", "DELETE", "OPTIONS")),
                Arguments.of("/hypervisors/" + id + "/config", List.of("GET", "HEAD", "PATCH", "OPTIONS")),
                Arguments.of("/hypervisors/" + id + "/subnets", List.of("GET", "HEAD", "PATCH", "OPTIONS")),
                Arguments.of("/hypervisors/" + id + "/subnets/" + SEED_SUBNET, List.of("DELETE", "OPTIONS")),
                Arguments.of("/hypervisors/" + id + "/guests", List.of("GET", "HEAD", "OPTIONS")));
    }

    @ParameterizedTest(name = "OPTIONS {0}")
    @MethodSource("optionsPaths")
    void givenServedPath_options_returns204WithAllow(String path, List<String> allowed) {
        Resp r = send("OPTIONS", path, null);
        assertThat(r.status()).as(r.toString()).isEqualTo(204);
        assertThat(r.body()).isEmpty();
        assertThat(r.header("Allow")).as("Allow header of %s", r).isNotNull();
        assertThat(List.of(r.header("Allow").split("\\s*,\\s*"))).containsExactlyElementsOf(allowed);
    }

    @Test
    void givenUnknownPath_options_returns404() {
        assertError(send("OPTIONS", "/no/such/path", null), 404);
    }

    @Test
    void givenGetResource_head_answersLikeGetWithoutBody() {
        String id = newId();
        create(id);
        for (String path : List.of("/hypervisors", "/hypervisors/" + id, "/hypervisors/" + id + "/config",
                "/hypervisors/" + id + "/subnets", "/hypervisors/" + id + "/guests")) {
            Resp r = send("HEAD", path, null);
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            assertThat(r.body()).isEmpty();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"/", "/nope", "/hypervisor", "/hypervisors/{id}/nope", "/hypervisors/{id}/config/x",
        "/hypervisors/{id}/guests/x", "/hypervisors/{id}/subnets/{s}/x"})
    void givenUnknownPath_get_returns404Json(String path) {
        String id = newId();
        create(id);
        assertError(get(path.replace("{id}", id).replace("{s}", SEED_SUBNET)), 404);
    }

    // ================================================================ content types

    @ParameterizedTest
    @ValueSource(strings = {"application/json", "text/plain", "none", FORM, "application/json; charset=utf-8",
        "application/octet-stream"})
    void givenAnyContentType_writes_work(String contentType) {
        Map<String, String> headers = contentType.equals("none") ? Map.of() : Map.of("Content-Type", contentType);
        String id = newId();
        Resp created = sendExactly("POST", "/hypervisors", seedRecord(id), headers);
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        assertThat(created.json()).isEqualTo(tree(seedRecord(id)));
        Resp patched = sendExactly("PATCH", "/hypervisors/" + id, "{\"ip\":\"10.3.3.3\"}", headers);
        assertThat(patched.status()).as(patched.toString()).isEqualTo(200);
        assertThat(patched.json().get("ip").textValue()).isEqualTo("10.3.3.3");
        Resp config = sendExactly("PATCH", "/hypervisors/" + id + "/config", "{\"a\":\"b\"}", headers);
        assertThat(config.status()).as(config.toString()).isEqualTo(200);
        assertThat(config.json()).isEqualTo(tree("{\"a\":\"b\"}"));
        String subnet = newId();
        Resp subnets = sendExactly("PATCH", "/hypervisors/" + id + "/subnets", json(Map.of(subnet, "br0")), headers);
        assertThat(subnets.status()).as(subnets.toString()).isEqualTo(200);
        assertThat(subnets.json()).isEqualTo(MAPPER.valueToTree(Map.of(subnet, "br0")));
    }

    @Test
    void givenAcceptHeaderOtherThanJson_get_stillAnswersJson() {
        String id = newId();
        create(id);
        Resp r = sendExactly("GET", "/hypervisors/" + id, null, Map.of("Accept", "text/html"));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json()).isEqualTo(tree(seedRecord(id)));
    }

    // ================================================================ optimistic concurrency

    private static final String ETAG = "\"[0-9]+\"";

    @Test
    void givenHypervisor_getPostPatch_returnStrongEtags() {
        String id = newId();
        Resp created = send("POST", "/hypervisors", seedRecord(id));
        assertThat(created.header("ETag")).matches(ETAG);
        Resp got = get("/hypervisors/" + id);
        assertThat(got.header("ETag")).matches(ETAG);
        Resp patched = send("PATCH", "/hypervisors/" + id, "{\"ip\":\"10.4.4.4\"}");
        assertThat(patched.header("ETag")).matches(ETAG).isNotEqualTo(got.header("ETag"));
        assertThat(get("/hypervisors/" + id).header("ETag")).isEqualTo(patched.header("ETag"));
    }

    @Test
    void givenCurrentEtag_patchWithIfMatch_succeedsAndReturnsNewEtag() {
        String id = newId();
        String fromPost = send("POST", "/hypervisors", seedRecord(id)).header("ETag");
        Resp first = send("PATCH", "/hypervisors/" + id, "{\"ip\":\"10.4.4.1\"}", "If-Match", fromPost);
        assertThat(first.status()).as(first.toString()).isEqualTo(200);
        assertThat(first.header("ETag")).matches(ETAG).isNotEqualTo(fromPost);
        Resp second = send("PATCH", "/hypervisors/" + id, "{\"ip\":\"10.4.4.2\"}", "If-Match", first.header("ETag"));
        assertThat(second.status()).as(second.toString()).isEqualTo(200);
        String current = get("/hypervisors/" + id).header("ETag");
        assertThat(current).isEqualTo(second.header("ETag"));
        Resp listed = send("PATCH", "/hypervisors/" + id, "{\"ip\":\"10.4.4.3\"}",
                "If-Match", "\"1\", " + current);
        assertThat(listed.status()).as(listed.toString()).isEqualTo(200);
        assertThat(fetch(id).get("ip").textValue()).isEqualTo("10.4.4.3");
    }

    @Test
    void givenStaleEtag_patchAndDelete_return412AndChangeNothing() {
        String id = newId();
        String stale = send("POST", "/hypervisors", seedRecord(id)).header("ETag");
        send("PATCH", "/hypervisors/" + id + "/config", "{\"a\":\"1\"}");
        Resp moved = send("PATCH", "/hypervisors/" + id, "{\"ip\":\"10.8.8.8\"}");
        assertThat(moved.status()).isEqualTo(200);
        Map<String, String> stored = storedUnder(id);
        JsonNode current = fetch(id);
        assertError(send("PATCH", "/hypervisors/" + id, "{\"ip\":\"10.8.8.9\"}", "If-Match", stale), 412);
        assertError(send("DELETE", "/hypervisors/" + id, null, "If-Match", stale), 412);
        assertError(send("PATCH", "/hypervisors/" + id, "{\"ip\":\"10.8.8.9\"}", "If-Match", "\"garbage\""), 412);
        assertThat(fetch(id)).isEqualTo(current);
        assertThat(storedUnder(id)).isEqualTo(stored);
    }

    @Test
    void givenStaleEtag_configPatch_returns412AndChangesNothing() {
        String id = newId();
        String stale = send("POST", "/hypervisors", seedRecord(id)).header("ETag");
        send("PATCH", "/hypervisors/" + id, "{\"ip\":\"10.8.8.8\"}");
        assertError(send("PATCH", "/hypervisors/" + id + "/config", "{\"a\":\"1\"}", "If-Match", stale), 412);
        assertThat(get("/hypervisors/" + id + "/config").json()).isEqualTo(tree("{}"));
    }

    @Test
    void givenStaleEtag_subnetsPatchAndDelete_return412AndChangeNothing() {
        String id = newId();
        String stale = send("POST", "/hypervisors", seedRecord(id)).header("ETag");
        String subnet = newId();
        send("PATCH", "/hypervisors/" + id + "/subnets", json(Map.of(subnet, "br0")));
        send("PATCH", "/hypervisors/" + id, "{\"ip\":\"10.8.8.8\"}");
        assertError(send("PATCH", "/hypervisors/" + id + "/subnets", json(Map.of(newId(), "br1")), "If-Match", stale),
                412);
        assertError(send("DELETE", "/hypervisors/" + id + "/subnets/" + subnet, null, "If-Match", stale), 412);
        assertThat(get("/hypervisors/" + id + "/subnets").json()).isEqualTo(MAPPER.valueToTree(Map.of(subnet, "br0")));
        String current = get("/hypervisors/" + id).header("ETag");
        Resp ok = send("DELETE", "/hypervisors/" + id + "/subnets/" + subnet, null, "If-Match", current);
        assertThat(ok.status()).as(ok.toString()).isEqualTo(200);
    }

    @Test
    void givenCurrentEtag_deleteWithIfMatch_succeeds() {
        String id = newId();
        create(id);
        String etag = get("/hypervisors/" + id).header("ETag");
        Resp r = send("DELETE", "/hypervisors/" + id, null, "If-Match", etag);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(storedUnder(id)).isEmpty();
    }

    @Test
    void givenIfMatchStar_patchAndDelete_succeed() {
        String id = newId();
        create(id);
        Resp r = send("PATCH", "/hypervisors/" + id, "{\"ip\":\"10.4.4.5\"}", "If-Match", "*");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        Resp d = send("DELETE", "/hypervisors/" + id, null, "If-Match", "*");
        assertThat(d.status()).as(d.toString()).isEqualTo(200);
    }

    @Test
    void givenWeakEtag_patchAndDelete_return412() {
        String id = newId();
        create(id);
        String etag = get("/hypervisors/" + id).header("ETag");
        JsonNode before = fetch(id);
        assertError(send("PATCH", "/hypervisors/" + id, "{\"ip\":\"10.4.4.6\"}", "If-Match", "W/" + etag), 412);
        assertError(send("DELETE", "/hypervisors/" + id, null, "If-Match", "W/" + etag), 412);
        assertThat(fetch(id)).isEqualTo(before);
    }

    @Test
    @DisplayName("Without If-Match, two clients concurrently PATCHing different fields never lose each other's change")
    void concurrentPatchesOfDifferentFieldsAreNotLost() throws Exception {
        String id = newId();
        create(id);
        int rounds = 20;
        List<String> failures = new CopyOnWriteArrayList<>();
        CountDownLatch start = new CountDownLatch(1);
        Thread ips = new Thread(() -> {
            await(start);
            for (int i = 0; i < rounds; i++) {
                Resp r = send("PATCH", "/hypervisors/" + id, "{\"ip\":\"10.0.0." + i + "\"}");
                if (r.status() != 200) {
                    failures.add(r.toString());
                }
            }
        });
        Thread macs = new Thread(() -> {
            await(start);
            for (int i = 0; i < rounds; i++) {
                Resp r = send("PATCH", "/hypervisors/" + id, "{\"mac\":\"02:00:00:00:00:" + String.format("%02x", i) + "\"}");
                if (r.status() != 200) {
                    failures.add(r.toString());
                }
            }
        });
        ips.start();
        macs.start();
        start.countDown();
        ips.join();
        macs.join();
        assertThat(failures).isEmpty();
        JsonNode last = fetch(id);
        assertThat(last.get("ip").textValue()).isEqualTo("10.0.0." + (rounds - 1));
        assertThat(last.get("mac").textValue()).isEqualTo("02:00:00:00:00:" + String.format("%02x", rounds - 1));
        assertThat(last.get("total_resources")).isEqualTo(tree("{\"memory\":1024,\"disk\":1024,\"cpu\":1}"));
    }

    @Test
    @DisplayName("Concurrent config and subnet PATCHes of different keys never lose each other's entries")
    void concurrentConfigPatchesAreNotLost() throws Exception {
        String id = newId();
        create(id);
        int rounds = 10;
        List<String> failures = new CopyOnWriteArrayList<>();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (String who : List.of("a", "b")) {
            threads.add(new Thread(() -> {
                await(start);
                for (int i = 0; i < rounds; i++) {
                    Resp r = send("PATCH", "/hypervisors/" + id + "/config", "{\"" + who + i + "\":\"v\"}");
                    if (r.status() != 200) {
                        failures.add(r.toString());
                    }
                }
            }));
        }
        threads.forEach(Thread::start);
        start.countDown();
        for (Thread t : threads) {
            t.join();
        }
        assertThat(failures).isEmpty();
        JsonNode config = get("/hypervisors/" + id + "/config").json();
        assertThat(config.size()).isEqualTo(2 * rounds);
    }

    @Test
    @DisplayName("Two clients POSTing the same id at once: exactly one gets 201, the other 409")
    void concurrentPostsOfTheSameIdCreateOnce() throws Exception {
        for (int round = 0; round < 10; round++) {
            String id = newId();
            List<Integer> statuses = new CopyOnWriteArrayList<>();
            CountDownLatch start = new CountDownLatch(1);
            List<Thread> threads = new ArrayList<>();
            for (String ip : List.of("10.0.1.1", "10.0.1.2")) {
                threads.add(new Thread(() -> {
                    await(start);
                    statuses.add(send("POST", "/hypervisors", json(Map.of("id", id, "ip", ip))).status());
                }));
            }
            threads.forEach(Thread::start);
            start.countDown();
            for (Thread t : threads) {
                t.join();
            }
            assertThat(statuses).containsExactlyInAnyOrder(201, 409);
        }
    }

    @Test
    @DisplayName("Config and subnet PATCHes racing a DELETE never leave orphan keys behind")
    void writesRacingDeleteLeaveNoOrphans() throws Exception {
        for (int round = 0; round < 5; round++) {
            String id = newId();
            create(id);
            List<String> unexpected = new CopyOnWriteArrayList<>();
            CountDownLatch start = new CountDownLatch(1);
            Thread writer = new Thread(() -> {
                await(start);
                for (int i = 0; i < 10; i++) {
                    Resp c = send("PATCH", "/hypervisors/" + id + "/config", "{\"k" + i + "\":\"v\"}");
                    Resp s = send("PATCH", "/hypervisors/" + id + "/subnets", json(Map.of(newId(), "br0")));
                    for (Resp r : List.of(c, s)) {
                        if (r.status() != 200 && r.status() != 404) {
                            unexpected.add(r.toString());
                        }
                    }
                }
            });
            Thread deleter = new Thread(() -> {
                await(start);
                Resp d = send("DELETE", "/hypervisors/" + id, null);
                if (d.status() != 200) {
                    unexpected.add(d.toString());
                }
            });
            writer.start();
            deleter.start();
            start.countDown();
            writer.join();
            deleter.join();
            assertThat(unexpected).isEmpty();
            assertThat(storedUnder(id)).isEmpty();
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ================================================================ interop

    @Test
    @DisplayName("A record written by another lochness daemon (Go's shape, extra fields) is served everywhere")
    void givenRecordWrittenByAnotherDaemon_apiServesIt() {
        String id = newId();
        String subnet = newId();
        String guest = newId();
        rawPut(prefix(id) + "metadata", "{\"id\":\"" + id + "\",\"metadata\":{\"zone\":\"a\",\"rack\":\"7\"},"
                + "\"ip\":\"192.168.1.10\",\"netmask\":\"255.255.255.0\",\"gateway\":\"192.168.1.1\","
                + "\"mac\":\"de:ad:be:ef:00:01\","
                + "\"total_resources\":{\"memory\":34359738368,\"disk\":1099511627776,\"cpu\":16},"
                + "\"available_resources\":{\"memory\":17179869184,\"disk\":549755813888,\"cpu\":8},"
                + "\"future_field\":{\"nested\":[1,2,3]},\"another\":\"x\"}");
        rawPut(prefix(id) + "config/dns", "8.8.8.8");
        rawPut(prefix(id) + "config/ntp", "pool.ntp.org");
        rawPut(prefix(id) + "subnets/" + subnet, "br0");
        rawPut(prefix(id) + "guests/" + guest, "");
        rawPut(prefix(id) + "heartbeat", "2024-01-01T00:00:00Z");

        JsonNode expected = tree("{\"id\":\"" + id + "\",\"metadata\":{\"rack\":\"7\",\"zone\":\"a\"},"
                + "\"ip\":\"192.168.1.10\",\"netmask\":\"255.255.255.0\",\"gateway\":\"192.168.1.1\","
                + "\"mac\":\"de:ad:be:ef:00:01\","
                + "\"total_resources\":{\"memory\":34359738368,\"disk\":1099511627776,\"cpu\":16},"
                + "\"available_resources\":{\"memory\":17179869184,\"disk\":549755813888,\"cpu\":8}}");
        Resp got = get("/hypervisors/" + id);
        assertThat(got.status()).as(got.toString()).isEqualTo(200);
        assertThat(got.json()).isEqualTo(expected);
        assertRecordShape(got.json());
        assertThat(got.header("ETag")).matches(ETAG);

        JsonNode listed = null;
        for (JsonNode h : get("/hypervisors").json()) {
            if (h.get("id").textValue().equals(id)) {
                listed = h;
            }
        }
        assertThat(listed).isEqualTo(expected);
        assertThat(get("/hypervisors/" + id + "/config").json())
                .isEqualTo(tree("{\"dns\":\"8.8.8.8\",\"ntp\":\"pool.ntp.org\"}"));
        assertThat(get("/hypervisors/" + id + "/subnets").json()).isEqualTo(MAPPER.valueToTree(Map.of(subnet, "br0")));
        assertThat(get("/hypervisors/" + id + "/guests").json()).isEqualTo(MAPPER.valueToTree(List.of(guest)));

        // and it can be changed through the API without losing its neighbours
        Resp patched = send("PATCH", "/hypervisors/" + id, "{\"ip\":\"192.168.1.11\"}", "If-Match", got.header("ETag"));
        assertThat(patched.status()).as(patched.toString()).isEqualTo(200);
        assertThat(storedUnder(id)).containsEntry(prefix(id) + "config/dns", "8.8.8.8")
                .containsEntry(prefix(id) + "heartbeat", "2024-01-01T00:00:00Z")
                .containsEntry(prefix(id) + "subnets/" + subnet, "br0");
    }

    @Test
    void givenMinimalRecordFromAnotherDaemon_get_fillsDefaults() {
        String id = newId();
        rawPut(prefix(id) + "metadata", "{\"id\":\"" + id + "\",\"metadata\":null}");
        Resp got = get("/hypervisors/" + id);
        assertThat(got.status()).as(got.toString()).isEqualTo(200);
        assertThat(got.json()).isEqualTo(tree("{\"id\":\"" + id + "\",\"metadata\":{},\"ip\":\"\",\"netmask\":\"\","
                + "\"gateway\":\"\",\"mac\":\"\",\"total_resources\":{\"memory\":0,\"disk\":0,\"cpu\":0},"
                + "\"available_resources\":{\"memory\":0,\"disk\":0,\"cpu\":0}}"));
        assertRecordShape(got.json());
        assertThat(get("/hypervisors/" + id + "/config").json()).isEqualTo(tree("{}"));
        assertThat(get("/hypervisors/" + id + "/subnets").json()).isEqualTo(tree("{}"));
        assertThat(get("/hypervisors/" + id + "/guests").json()).isEqualTo(tree("[]"));
    }

    @Test
    void givenRecordWithUpperCaseIdFieldFromAnotherDaemon_get_servesLowercaseId() {
        String id = newId();
        rawPut(prefix(id) + "metadata", "{\"id\":\"" + id.toUpperCase(Locale.ROOT) + "\",\"ip\":\"10.1.2.3\"}");
        JsonNode got = fetch(id);
        assertThat(got.get("id").textValue()).isEqualTo(id);
        assertThat(got.get("ip").textValue()).isEqualTo("10.1.2.3");
    }

    @Test
    void givenKeysOfOtherDaemonsUnderHypervisors_list_ignoresWhatIsNotARecord() {
        String id = newId();
        create(id);
        String stray = "lochness/hypervisors/not-a-uuid-" + id + "/metadata";
        String nested = prefix(id) + "guests/" + newId() + "/metadata";
        rawPut(stray, "{\"something\":\"else\"}");
        rawPut(nested, "{\"not\":\"a hypervisor\"}");
        try {
            Resp r = get("/hypervisors");
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            List<String> ids = r.json().findValuesAsText("id");
            assertThat(ids).contains(id).noneMatch(i -> i.startsWith("not-a-uuid"));
            for (JsonNode h : r.json()) {
                assertRecordShape(h);
            }
        } finally {
            rawDelete(stray);
            rawDelete(nested);
        }
    }

    @Test
    void givenRecordWrittenByApi_storedJson_isWhatAnotherDaemonReads() {
        String id = newId();
        create(id);
        String stored = storedUnder(id).get(prefix(id) + "metadata");
        JsonNode node = tree(stored);
        assertThat(node).isEqualTo(tree(seedRecord(id)));
        assertThat(fieldNames(node)).containsExactlyElementsOf(RECORD_FIELDS);
    }
}
