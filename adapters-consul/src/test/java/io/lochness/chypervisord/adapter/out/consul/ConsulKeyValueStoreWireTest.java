package io.lochness.chypervisord.adapter.out.consul;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lochness.chypervisord.domain.model.StoreUnavailableException;
import io.lochness.chypervisord.adapter.out.kv.spi.KeyValue;
import io.lochness.chypervisord.adapter.out.kv.spi.Snapshot;
import io.lochness.chypervisord.adapter.out.kv.spi.Txn;
import io.lochness.chypervisord.adapter.out.kv.spi.TxnResult;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import okhttp3.mockwebserver.SocketPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The adapter's requests and its reading of answers, against MockWebServer replying in the shape
 * of Consul's documented KV ({@code /v1/kv}) and transaction ({@code /v1/txn}) API.
 */
class ConsulKeyValueStoreWireTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Only the timeout tests use it; the others get a deadline no loaded machine reaches. */
    private static final Duration SHORT_DEADLINE = Duration.ofMillis(500);
    private static final Duration DEADLINE = Duration.ofSeconds(30);
    /** Bounds the timeout tests (500 ms deadlines) against a hang; not a timing assertion. */
    private static final Duration GENEROUS = Duration.ofSeconds(30);

    private MockWebServer server;
    private ConsulKeyValueStore store;

    @BeforeEach
    void start() throws IOException {
        server = new MockWebServer();
        server.start();
        store = storeWith("secret-token", "dc2", DEADLINE);
    }

    @AfterEach
    void stop() throws IOException {
        store.close();
        server.shutdown();
    }

    private ConsulKeyValueStore storeWith(String token, String dc, Duration deadline) {
        URI endpoint = URI.create("http://" + server.getHostName() + ":" + server.getPort());
        return new ConsulKeyValueStore(new ConsulSettings(endpoint, token, dc), deadline);
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private static MockResponse json(int code, String body) {
        return new MockResponse()
                .setResponseCode(code)
                .setHeader("Content-Type", "application/json")
                .setBody(body);
    }

    private static String kvEntry(String key, String base64Value, long modifyIndex) {
        return "{\"LockIndex\":0,\"Key\":\""
                + key
                + "\",\"Flags\":0,\"Value\":"
                + (base64Value == null ? "null" : "\"" + base64Value + "\"")
                + ",\"CreateIndex\":"
                + modifyIndex
                + ",\"ModifyIndex\":"
                + modifyIndex
                + "}";
    }

    /** One entry of a /v1/txn answer's Results: the KV object under a "KV" field. */
    private static String txnResult(String key, String base64Value, long modifyIndex) {
        return "{\"KV\":" + kvEntry(key, base64Value, modifyIndex) + "}";
    }

    private RecordedRequest take() throws InterruptedException {
        RecordedRequest request = server.takeRequest(30, TimeUnit.SECONDS);
        assertThat(request).as("a request reached the server").isNotNull();
        return request;
    }

    private static JsonNode txnBody(RecordedRequest request) throws IOException {
        return JSON.readTree(request.getBody().readUtf8());
    }

    private static List<String> verbs(JsonNode ops) {
        List<String> verbs = new ArrayList<>();
        ops.forEach(op -> verbs.add(op.path("KV").path("Verb").asText()));
        return verbs;
    }

    // --- construction and read ----------------------------------------------------------------

    @Test
    @DisplayName("construction sends nothing")
    void constructionSendsNothing() {
        storeWith(null, null, SHORT_DEADLINE).close();
        assertThat(server.getRequestCount()).isZero();
    }

    @Test
    @DisplayName("read is one GET /v1/kv/{prefix}?recurse&consistent&dc= with the token header")
    void readRequestShape() throws Exception {
        server.enqueue(json(200, "[]").setHeader("X-Consul-Index", "7"));
        store.read("lochness/hypervisors/");

        RecordedRequest request = take();
        assertThat(request.getMethod()).isEqualTo("GET");
        assertThat(request.getRequestUrl().encodedPath()).isEqualTo("/v1/kv/lochness/hypervisors/");
        assertThat(request.getRequestUrl().queryParameterNames()).containsExactlyInAnyOrder("recurse", "consistent", "dc");
        assertThat(request.getRequestUrl().queryParameter("dc")).isEqualTo("dc2");
        assertThat(request.getHeader("X-Consul-Token")).isEqualTo("secret-token");
        assertThat(server.getRequestCount()).isEqualTo(1);
    }

    @Test
    @DisplayName("without token or datacenter no header and no dc parameter are sent")
    void readWithoutTokenOrDatacenter() throws Exception {
        try (ConsulKeyValueStore plain = storeWith(null, null, DEADLINE)) {
            server.enqueue(json(200, "[]").setHeader("X-Consul-Index", "7"));
            plain.read("p/");
        }
        RecordedRequest request = take();
        assertThat(request.getHeader("X-Consul-Token")).isNull();
        assertThat(request.getRequestUrl().queryParameterNames()).containsExactlyInAnyOrder("recurse", "consistent");
    }

    @Test
    @DisplayName("read decodes base64 values, sorts keys, uses ModifyIndex and X-Consul-Index")
    void readDecodesEntries() {
        server.enqueue(
                json(
                                200,
                                "["
                                        + kvEntry("p/b", b64("ünï ✓"), 12)
                                        + ","
                                        + kvEntry("p/a", b64("{\"x\":1}"), 15)
                                        + ","
                                        + kvEntry("p/empty", null, 9)
                                        + "]")
                        .setHeader("X-Consul-Index", "20"));

        Snapshot snapshot = store.read("p/");

        assertThat(snapshot.entries())
                .containsExactly(
                        new KeyValue("p/a", "{\"x\":1}", 15),
                        new KeyValue("p/b", "ünï ✓", 12),
                        new KeyValue("p/empty", "", 9));
        assertThat(snapshot.revision()).isEqualTo(20);
    }

    @Test
    @DisplayName("the snapshot revision is at least the largest ModifyIndex")
    void snapshotRevisionCoversEntries() {
        server.enqueue(json(200, "[" + kvEntry("p/a", b64("v"), 31) + "]"));
        assertThat(store.read("p/").revision()).isEqualTo(31);
    }

    @Test
    @DisplayName("a 404 on the prefix is an empty snapshot at the X-Consul-Index")
    void missingPrefixIsEmpty() {
        server.enqueue(new MockResponse().setResponseCode(404).setHeader("X-Consul-Index", "42"));
        Snapshot snapshot = store.read("nothing/here/");
        assertThat(snapshot.entries()).isEmpty();
        assertThat(snapshot.revision()).isEqualTo(42);
    }

    @Test
    @DisplayName("keys needing escapes are percent-encoded in the path")
    void keysAreEncoded() throws Exception {
        server.enqueue(new MockResponse().setResponseCode(404).setHeader("X-Consul-Index", "1"));
        store.read("a b/%x?/");
        assertThat(take().getRequestUrl().encodedPath()).isEqualTo("/v1/kv/a%20b/%25x%3F/");
    }

    @Test
    @DisplayName("a 5xx on read is StoreUnavailableException")
    void serverErrorOnRead() {
        server.enqueue(new MockResponse().setResponseCode(500).setBody("No cluster leader"));
        assertThatThrownBy(() -> store.read("p/"))
                .isInstanceOf(StoreUnavailableException.class)
                .hasMessageContaining("500")
                .hasMessageContaining("No cluster leader");
    }

    @Test
    @DisplayName("a 403 (ACL denied) on read is StoreUnavailableException")
    void aclDeniedOnRead() {
        server.enqueue(new MockResponse().setResponseCode(403).setBody("Permission denied"));
        assertThatThrownBy(() -> store.read("p/")).isInstanceOf(StoreUnavailableException.class);
    }

    @Test
    @DisplayName("a 200 with a body that is not Consul's is StoreUnavailableException")
    void garbageBodyOnRead() {
        server.enqueue(json(200, "<html>proxy</html>"));
        assertThatThrownBy(() -> store.read("p/")).isInstanceOf(StoreUnavailableException.class);
    }

    // --- commit -------------------------------------------------------------------------------

    @Test
    @DisplayName("commit is one PUT /v1/txn with check-index, check-not-exists, set, delete, delete-tree")
    void commitRequestShape() throws Exception {
        server.enqueue(
                json(
                        200,
                        "{\"Results\":["
                                + txnResult("h/metadata", null, 40)
                                + ","
                                + txnResult("h/config", null, 57)
                                + "],\"Errors\":null}"));
        server.enqueue(new MockResponse().setResponseCode(404).setHeader("X-Consul-Index", "58"));
        Txn txn =
                new Txn(
                        List.of(new Txn.KeyAt("h/metadata", 40), Txn.KeyAt.absent("h/new")),
                        List.of(
                                new Txn.Put("h/config", "{\"cpu\":4} ✓"),
                                new Txn.Delete("h/old"),
                                new Txn.DeletePrefix("h/subnets/")));

        TxnResult result = store.commit(txn);

        // It deletes, and Consul reports no index for a delete: the table index read after it.
        assertThat(result).isEqualTo(TxnResult.committed(58));
        RecordedRequest request = take();
        assertThat(request.getMethod()).isEqualTo("PUT");
        assertThat(request.getRequestUrl().encodedPath()).isEqualTo("/v1/txn");
        assertThat(request.getRequestUrl().queryParameter("dc")).isEqualTo("dc2");
        assertThat(request.getHeader("X-Consul-Token")).isEqualTo("secret-token");
        assertThat(request.getHeader("Content-Type")).startsWith("application/json");
        JsonNode ops = txnBody(request);
        assertThat(verbs(ops))
                .containsExactly("check-index", "check-not-exists", "set", "delete", "delete-tree");
        assertThat(ops.get(0).path("KV").path("Key").asText()).isEqualTo("h/metadata");
        assertThat(ops.get(0).path("KV").path("Index").asLong()).isEqualTo(40);
        assertThat(ops.get(1).path("KV").path("Key").asText()).isEqualTo("h/new");
        assertThat(ops.get(1).path("KV").has("Index")).isFalse();
        assertThat(ops.get(2).path("KV").path("Key").asText()).isEqualTo("h/config");
        assertThat(ops.get(2).path("KV").path("Value").asText()).isEqualTo(b64("{\"cpu\":4} ✓"));
        assertThat(ops.get(3).path("KV").path("Key").asText()).isEqualTo("h/old");
        assertThat(ops.get(4).path("KV").path("Key").asText()).isEqualTo("h/subnets/");
        RecordedRequest after = take();
        assertThat(after.getMethod()).isEqualTo("GET");
        assertThat(after.getRequestUrl().queryParameterNames()).contains("consistent");
        assertThat(server.getRequestCount()).isEqualTo(2);
    }

    @Test
    @DisplayName("'present' is a get op (Consul has no check-exists); its echo is not taken for a raced key")
    void presentIsAGet() throws Exception {
        server.enqueue(
                json(
                        200,
                        "{\"Results\":["
                                + txnResult("h/metadata", b64("{}"), 33)
                                + ","
                                + txnResult("h/config/a", null, 58)
                                + "],\"Errors\":null}"));

        TxnResult result = store.commit(
                new Txn(List.of(new Txn.Present("h/metadata")), List.of(new Txn.Put("h/config/a", "1"))));

        assertThat(result).isEqualTo(TxnResult.committed(58));
        JsonNode ops = txnBody(take());
        assertThat(verbs(ops)).containsExactly("get", "set");
        assertThat(ops.get(0).path("KV").path("Key").asText()).isEqualTo("h/metadata");
        assertThat(ops.get(0).path("KV").has("Index")).isFalse();
    }

    @Test
    @DisplayName("a get of a missing key fails the txn (409): a conflict")
    void presentOfMissingKeyIsConflict() {
        server.enqueue(
                json(409, "{\"Results\":null,\"Errors\":[{\"OpIndex\":0,\"What\":\"key \\\"h/metadata\\\" doesn't exist\"}]}"));
        TxnResult result = store.commit(
                new Txn(List.of(new Txn.Present("h/metadata")), List.of(new Txn.Put("h/config/a", "1"))));
        assertThat(result).isEqualTo(TxnResult.conflict());
    }

    @Test
    @DisplayName("a transaction that reads back is refused before anything is sent: Consul's store does not offer it")
    void readBackIsRefused() {
        assertThat(store.readsInTxn()).isFalse();
        assertThatThrownBy(() -> store.commit(new Txn(List.of(), List.of(new Txn.Put("k", "v")), "h/")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(server.getRequestCount()).isZero();
    }

    @Test
    @DisplayName("a 409 with Errors (failed check) is a conflict")
    void failedCheckIsConflict() {
        server.enqueue(
                json(
                        409,
                        "{\"Results\":null,\"Errors\":[{\"OpIndex\":0,\"What\":\"current modify index 41 != 40\"}]}"));
        TxnResult result =
                store.commit(
                        new Txn(List.of(new Txn.KeyAt("k", 40)), List.of(new Txn.Put("k", "v"))));
        assertThat(result).isEqualTo(TxnResult.conflict());
    }

    @Test
    @DisplayName("a 409 naming an ACL denial is StoreUnavailableException, not a conflict")
    void permissionDeniedIsNotConflict() {
        server.enqueue(
                json(409, "{\"Results\":null,\"Errors\":[{\"OpIndex\":0,\"What\":\"Permission denied\"}]}"));
        assertThatThrownBy(() -> store.commit(new Txn(List.of(), List.of(new Txn.Put("k", "v")))))
                .isInstanceOf(StoreUnavailableException.class)
                .hasMessageContaining("Permission denied");
    }

    @Test
    @DisplayName("a 5xx on commit is StoreUnavailableException")
    void serverErrorOnCommit() {
        server.enqueue(new MockResponse().setResponseCode(500).setBody("rpc error: No cluster leader"));
        assertThatThrownBy(() -> store.commit(new Txn(List.of(), List.of(new Txn.Put("k", "v")))))
                .isInstanceOf(StoreUnavailableException.class);
    }

    @Test
    @DisplayName("a 400 on commit is an IllegalStateException (the adapter built a bad request)")
    void badRequestOnCommit() {
        server.enqueue(new MockResponse().setResponseCode(400).setBody("Failed to parse body"));
        assertThatThrownBy(() -> store.commit(new Txn(List.of(), List.of(new Txn.Put("k", "v")))))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    @DisplayName("a delete-only txn returns the KV table's index read right after it (at least the delete's own)")
    void deleteOnlyRevisionIsReadAfter() throws Exception {
        server.enqueue(json(200, "{\"Results\":[" + txnResult("h/metadata", null, 40) + "],\"Errors\":null}"));
        server.enqueue(new MockResponse().setResponseCode(404).setHeader("X-Consul-Index", "44"));
        TxnResult result =
                store.commit(
                        new Txn(List.of(new Txn.KeyAt("h/metadata", 40)), List.of(new Txn.Delete("h/x"))));
        assertThat(result).isEqualTo(TxnResult.committed(44));
        take();
        assertThat(take().getRequestUrl().queryParameterNames()).containsExactlyInAnyOrder("consistent", "dc");
    }

    @Test
    @DisplayName("when the index read after a delete-only txn fails, the commit stands with the largest index seen (a lower bound)")
    void deleteOnlyWithoutIndex() {
        server.enqueue(json(200, "{\"Results\":[" + txnResult("h/metadata", null, 40) + "],\"Errors\":null}"));
        server.enqueue(new MockResponse().setResponseCode(500).setBody("No cluster leader"));
        assertThat(store.commit(new Txn(List.of(new Txn.KeyAt("h/metadata", 40)), List.of(new Txn.Delete("h/x")))))
                .isEqualTo(TxnResult.committed(40));
        server.enqueue(json(200, "{\"Results\":null,\"Errors\":null}"));
        server.enqueue(new MockResponse().setResponseCode(500).setBody("No cluster leader"));
        assertThat(store.commit(new Txn(List.of(), List.of(new Txn.Delete("h/x")))))
                .isEqualTo(TxnResult.committed(1));
    }

    @Test
    @DisplayName("a txn over 128 operations (Consul 1.14+) is refused before any request")
    void overLimitTxnSendsNothing() {
        List<Txn.Mutation> puts = new ArrayList<>();
        for (int i = 0; i < 129; i++) {
            puts.add(new Txn.Put("k" + i, "v"));
        }
        assertThat(store.maxTxnOperations()).isEqualTo(128);
        assertThatThrownBy(() -> store.commit(new Txn(List.of(), puts)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("128");
        assertThat(server.getRequestCount()).isZero();
    }

    // --- PrefixEmpty --------------------------------------------------------------------------

    @Test
    @DisplayName("PrefixEmpty with writes: guard GET ?keys&consistent, then a txn with get-tree before the writes")
    void prefixEmptyGuardShape() throws Exception {
        server.enqueue(new MockResponse().setResponseCode(404).setHeader("X-Consul-Index", "70"));
        server.enqueue(json(200, "{\"Results\":[" + txnResult("h/metadata", null, 40) + "],\"Errors\":null}"));
        server.enqueue(new MockResponse().setResponseCode(404).setHeader("X-Consul-Index", "75"));
        Txn txn =
                new Txn(
                        List.of(new Txn.KeyAt("h/metadata", 40), new Txn.PrefixEmpty("h/guests/")),
                        List.of(new Txn.DeletePrefix("h/")));

        TxnResult result = store.commit(txn);

        RecordedRequest guard = take();
        assertThat(guard.getMethod()).isEqualTo("GET");
        assertThat(guard.getRequestUrl().encodedPath()).isEqualTo("/v1/kv/h/guests/");
        assertThat(guard.getRequestUrl().queryParameterNames()).contains("keys", "consistent");
        assertThat(guard.getRequestUrl().queryParameter("dc")).isEqualTo("dc2");
        assertThat(guard.getHeader("X-Consul-Token")).isEqualTo("secret-token");
        RecordedRequest txnRequest = take();
        assertThat(txnRequest.getMethod()).isEqualTo("PUT");
        JsonNode ops = txnBody(txnRequest);
        assertThat(verbs(ops)).containsExactly("check-index", "get-tree", "delete-tree");
        assertThat(ops.get(1).path("KV").path("Key").asText()).isEqualTo("h/guests/");
        assertThat(result).isEqualTo(TxnResult.committed(75));
    }

    @Test
    @DisplayName("PrefixEmpty with writes: keys at guard-read time are a conflict, no txn sent")
    void prefixEmptyGuardConflictSendsNoTxn() {
        server.enqueue(json(200, "[\"h/guests/g1\"]").setHeader("X-Consul-Index", "71"));
        TxnResult result =
                store.commit(
                        new Txn(List.of(new Txn.PrefixEmpty("h/guests/")), List.of(new Txn.DeletePrefix("h/"))));
        assertThat(result).isEqualTo(TxnResult.conflict());
        assertThat(server.getRequestCount()).isEqualTo(1);
    }

    @Test
    @DisplayName("PrefixEmpty without writes: no guard read; get-tree entries are a conflict")
    void prefixEmptyConditionOnlyUsesWitness() throws Exception {
        server.enqueue(json(200, "{\"Results\":[" + txnResult("h/guests/g1", b64(""), 72) + "],\"Errors\":null}"));
        TxnResult result = store.commit(new Txn(List.of(new Txn.PrefixEmpty("h/guests/")), List.of()));
        assertThat(result).isEqualTo(TxnResult.conflict());
        RecordedRequest request = take();
        assertThat(request.getMethod()).isEqualTo("PUT");
        assertThat(verbs(txnBody(request))).containsExactly("get-tree");
    }

    @Test
    @DisplayName("PrefixEmpty without writes: a check-index echo is not mistaken for a witness")
    void checkIndexEchoIsNotAWitness() {
        server.enqueue(json(200, "{\"Results\":[" + txnResult("h/metadata", null, 40) + "],\"Errors\":null}"));
        TxnResult result =
                store.commit(
                        new Txn(
                                List.of(new Txn.KeyAt("h/metadata", 40), new Txn.PrefixEmpty("h/guests/")),
                                List.of()));
        assertThat(result).isEqualTo(TxnResult.committed(40));
    }

    // --- ping, failures, close ----------------------------------------------------------------

    @Test
    @DisplayName("ping is GET /v1/status/leader and accepts a leader address")
    void pingShape() throws Exception {
        server.enqueue(json(200, "\"10.0.0.5:8300\""));
        store.ping();
        RecordedRequest request = take();
        assertThat(request.getMethod()).isEqualTo("GET");
        assertThat(request.getRequestUrl().encodedPath()).isEqualTo("/v1/status/leader");
        assertThat(request.getRequestUrl().queryParameter("dc")).isEqualTo("dc2");
        assertThat(request.getHeader("X-Consul-Token")).isEqualTo("secret-token");
    }

    @Test
    @DisplayName("ping without a leader is StoreUnavailableException")
    void pingWithoutLeader() {
        server.enqueue(json(200, "\"\""));
        assertThatThrownBy(() -> store.ping())
                .isInstanceOf(StoreUnavailableException.class)
                .hasMessageContaining("no leader");
    }

    @Test
    @DisplayName("a server that never answers a read is StoreUnavailableException within the deadline")
    void readTimeout() {
        store.close();
        store = storeWith("secret-token", "dc2", SHORT_DEADLINE);
        server.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.NO_RESPONSE));
        assertTimeoutPreemptively(
                GENEROUS,
                () ->
                        assertThatThrownBy(() -> store.read("p/"))
                                .isInstanceOf(StoreUnavailableException.class)
                                .hasMessageContaining("did not answer"));
    }

    @Test
    @DisplayName("a server that answers a txn too late is StoreUnavailableException within the deadline")
    void commitTimeout() {
        store.close();
        store = storeWith("secret-token", "dc2", SHORT_DEADLINE);
        server.enqueue(
                json(200, "{\"Results\":null,\"Errors\":null}").setHeadersDelay(30, TimeUnit.SECONDS));
        assertTimeoutPreemptively(
                GENEROUS,
                () ->
                        assertThatThrownBy(
                                        () -> store.commit(new Txn(List.of(), List.of(new Txn.Delete("k")))))
                                .isInstanceOf(StoreUnavailableException.class));
    }

    @Test
    @DisplayName("a ping that never gets an answer is StoreUnavailableException within the deadline")
    void pingTimeout() {
        store.close();
        store = storeWith("secret-token", "dc2", SHORT_DEADLINE);
        server.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.NO_RESPONSE));
        assertTimeoutPreemptively(
                GENEROUS,
                () -> assertThatThrownBy(() -> store.ping()).isInstanceOf(StoreUnavailableException.class));
    }

    @Test
    @DisplayName("a closed port is StoreUnavailableException for read, commit and ping")
    void closedPort() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        URI endpoint = URI.create("http://127.0.0.1:" + port);
        try (ConsulKeyValueStore down =
                new ConsulKeyValueStore(new ConsulSettings(endpoint, null, null), SHORT_DEADLINE)) {
            assertTimeoutPreemptively(
                    GENEROUS,
                    () -> {
                        assertThatThrownBy(() -> down.read("p/"))
                                .isInstanceOf(StoreUnavailableException.class);
                        assertThatThrownBy(
                                        () -> down.commit(new Txn(List.of(), List.of(new Txn.Put("k", "v")))))
                                .isInstanceOf(StoreUnavailableException.class);
                        assertThatThrownBy(down::ping).isInstanceOf(StoreUnavailableException.class);
                    });
        }
    }

    @Test
    @DisplayName("a connection dropped before the answer is StoreUnavailableException, never retried")
    void droppedTxnConnectionIsNotRetried() {
        // A first exchange leaves a pooled keep-alive connection: OkHttp would silently resend
        // a re-sendable body when such a reused connection fails; a transaction must not be.
        server.enqueue(json(200, "\"10.0.0.5:8300\""));
        store.ping();
        server.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.DISCONNECT_AFTER_REQUEST));
        server.enqueue(json(409, "{\"Results\":null,\"Errors\":[{\"OpIndex\":0,\"What\":\"key exists\"}]}"));
        assertThatThrownBy(
                        () ->
                                store.commit(
                                        new Txn(List.of(Txn.KeyAt.absent("k")), List.of(new Txn.Put("k", "v")))))
                .isInstanceOf(StoreUnavailableException.class);
        assertThat(server.getRequestCount()).isEqualTo(2);
    }

    @Test
    @DisplayName("a closed store refuses calls with IllegalStateException")
    void closedStoreRefusesCalls() {
        store.close();
        assertThatThrownBy(() -> store.read("p/")).isInstanceOf(IllegalStateException.class);
        assertThat(server.getRequestCount()).isZero();
    }

    // --- watch ----------------------------------------------------------------------------------

    @Test
    @DisplayName("a watch reads the prefix ?recurse&consistent, then blocks with ?recurse&index=N&wait=, and diffs the answers")
    void watchRequestShape() throws Exception {
        server.enqueue(json(200, "[" + kvEntry("w/a", b64("1"), 12) + "]").setHeader("X-Consul-Index", "12"));
        server.enqueue(json(200, "[" + kvEntry("w/a", b64("2"), 15) + "," + kvEntry("w/b", b64("3"), 14) + "]")
                .setHeader("X-Consul-Index", "15"));
        java.util.concurrent.LinkedBlockingQueue<Object> heard = new java.util.concurrent.LinkedBlockingQueue<>();
        io.lochness.chypervisord.adapter.out.kv.spi.WatchListener listener =
                new io.lochness.chypervisord.adapter.out.kv.spi.WatchListener() {
                    @Override
                    public void onChanges(List<io.lochness.chypervisord.adapter.out.kv.spi.KeyChange> changes) {
                        heard.add(changes);
                    }

                    @Override
                    public void onProgress(long revision) {
                        heard.add(revision);
                    }

                    @Override
                    public void onCompacted(long compactRevision) {
                        heard.add("compacted " + compactRevision);
                    }

                    @Override
                    public void onFailure(StoreUnavailableException cause) {
                        heard.add(cause);
                    }
                };
        try (ConsulKeyValueStore watching = storeWith(null, null, DEADLINE);
                var watch = watching.watch("w/", 13, listener)) {
            RecordedRequest first = take();
            assertThat(first.getRequestUrl().queryParameterNames()).containsExactlyInAnyOrder("recurse", "consistent");
            RecordedRequest second = take();
            assertThat(second.getRequestUrl().queryParameterNames()).containsExactlyInAnyOrder("recurse", "index", "wait");
            assertThat(second.getRequestUrl().queryParameter("index")).isEqualTo("12");
            assertThat(second.getRequestUrl().queryParameter("wait")).isEqualTo("300000ms");
            assertThat(heard.poll(30, TimeUnit.SECONDS)).isEqualTo(List.of(
                    io.lochness.chypervisord.adapter.out.kv.spi.KeyChange.put("w/b", "3", 14),
                    io.lochness.chypervisord.adapter.out.kv.spi.KeyChange.put("w/a", "2", 15)));
        }
    }
}
