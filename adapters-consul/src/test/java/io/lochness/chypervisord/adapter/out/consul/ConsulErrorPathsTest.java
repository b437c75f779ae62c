package io.lochness.chypervisord.adapter.out.consul;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lochness.chypervisord.adapter.out.kv.spi.Txn;
import io.lochness.chypervisord.adapter.out.kv.spi.TxnResult;
import io.lochness.chypervisord.domain.model.InvalidInputException;
import io.lochness.chypervisord.domain.model.StoreUnavailableException;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Consul's error answers (issue 17), each in the shape Consul's server code writes it
 * (agent/txn_endpoint.go, agent/kvs_endpoint.go, agent/http.go), on MockWebServer: none may
 * become a 500 or a retried conflict.
 */
class ConsulErrorPathsTest {

    private MockWebServer server;
    private ConsulKeyValueStore store;

    @BeforeEach
    void start() throws IOException {
        server = new MockWebServer();
        server.start();
        store = new ConsulKeyValueStore(
                new ConsulSettings(URI.create("http://127.0.0.1:" + server.getPort()), "t", null), Duration.ofSeconds(5));
    }

    @AfterEach
    void stop() throws IOException {
        store.close();
        server.shutdown();
    }

    private static MockResponse json(int code, String body) {
        return new MockResponse().setResponseCode(code).setHeader("Content-Type", "application/json").setBody(body);
    }

    private static Txn put(String key, String value) {
        return new Txn(List.of(), List.of(new Txn.Put(key, value)));
    }

    @Test
    @DisplayName("413 from Consul (txn_max_req_len) is InvalidInputException naming the limit, never a 500")
    void consulSays413() {
        server.enqueue(new MockResponse().setResponseCode(413).setBody("Request body too large, max size: 524288 bytes"));
        assertThatThrownBy(() -> store.commit(put("k", "v")))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("524288")
                .hasMessageContaining("txn_max_req_len");
    }

    @Test
    @DisplayName("a value over kv_max_value_size is refused before sending, naming the limit")
    void valueTooLargeBeforeSending() {
        String big = "x".repeat(512 * 1024 + 1);
        assertThatThrownBy(() -> store.commit(put("k", big)))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("524288")
                .hasMessageContaining("kv_max_value_size");
        assertThat(server.getRequestCount()).isZero();
    }

    @Test
    @DisplayName("a value under 512 KiB whose base64 makes the body over txn_max_req_len is refused before sending")
    void base64MakesTheBodyTooLarge() {
        String value = "x".repeat(400 * 1024); // 400 KiB raw, about 533 KiB in base64
        assertThatThrownBy(() -> store.commit(put("k", value)))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("txn_max_req_len")
                .hasMessageContaining("base64");
        assertThat(server.getRequestCount()).isZero();
        // 380 KiB (about 507 KiB as base64) still goes out.
        server.enqueue(json(200, "{\"Results\":[{\"KV\":{\"Key\":\"k\",\"ModifyIndex\":5}}],\"Errors\":null}"));
        assertThat(store.commit(put("k", "x".repeat(380 * 1024))).committed()).isTrue();
    }

    @Test
    @DisplayName("a read Consul filtered by ACLs is StoreUnavailableException naming read permission, never a partial answer")
    void aclFilteredRead() {
        server.enqueue(json(200, "[{\"Key\":\"p/a\",\"Value\":null,\"ModifyIndex\":3}]")
                .setHeader("X-Consul-Index", "9").setHeader("X-Consul-Results-Filtered-By-ACLs", "true"));
        assertThatThrownBy(() -> store.read("p/"))
                .isInstanceOf(StoreUnavailableException.class)
                .hasMessageContaining("read permission");
        // Everything filtered away: Consul answers 404 with the header; still an error, not "empty".
        server.enqueue(new MockResponse().setResponseCode(404)
                .setHeader("X-Consul-Index", "9").setHeader("X-Consul-Results-Filtered-By-ACLs", "true"));
        assertThatThrownBy(() -> store.readPage("p/", null, 0, 10)).isInstanceOf(StoreUnavailableException.class);
    }

    @Test
    @DisplayName("a guard read filtered by ACLs fails the delete instead of calling the prefix empty")
    void aclFilteredGuardRead() {
        server.enqueue(json(200, "[]").setHeader("X-Consul-Index", "9").setHeader("X-Consul-Results-Filtered-By-ACLs", "true"));
        assertThatThrownBy(() -> store.commit(new Txn(List.of(new Txn.PrefixEmpty("h/guests/")),
                List.of(new Txn.DeletePrefix("h/")))))
                .isInstanceOf(StoreUnavailableException.class)
                .hasMessageContaining("read permission");
        assertThat(server.getRequestCount()).isEqualTo(1);
    }

    @Test
    @DisplayName("a 409 for an ACL denial is an error naming the permission, not a retried conflict")
    void aclDenial409() {
        server.enqueue(json(409, "{\"Results\":null,\"Errors\":[{\"OpIndex\":0,\"What\":\"Permission denied\"}]}"));
        assertThatThrownBy(() -> store.commit(put("k", "v")))
                .isInstanceOf(StoreUnavailableException.class)
                .hasMessageContaining("permission");
    }

    @Test
    @DisplayName("a 409 for a malformed operation (unknown verb) is an error, not a conflict")
    void malformed409() {
        server.enqueue(json(409, "{\"Results\":null,\"Errors\":[{\"OpIndex\":0,\"What\":\"unknown KV verb \\\"frob\\\"\"}]}"));
        assertThatThrownBy(() -> store.commit(put("k", "v")))
                .isInstanceOf(StoreUnavailableException.class)
                .hasMessageContaining("malformed");
    }

    @Test
    @DisplayName("a 409 mixing a failed check and a denial is an error")
    void mixed409() {
        server.enqueue(json(409, "{\"Results\":null,\"Errors\":[{\"OpIndex\":0,\"What\":\"failed index check for key \\\"k\\\", current modify index 4 != 3\"},"
                + "{\"OpIndex\":1,\"What\":\"Permission denied\"}]}"));
        assertThatThrownBy(() -> store.commit(new Txn(List.of(new Txn.KeyAt("k", 3)), List.of(new Txn.Put("other", "v")))))
                .isInstanceOf(StoreUnavailableException.class);
    }

    @Test
    @DisplayName("a 409 whose errors are Consul's failed-check messages is a conflict")
    void failedChecks409() {
        server.enqueue(json(409, "{\"Results\":null,\"Errors\":["
                + "{\"OpIndex\":0,\"What\":\"failed index check for key \\\"a\\\", current modify index 4 != 3\"},"
                + "{\"OpIndex\":1,\"What\":\"key \\\"b\\\" exists\"},"
                + "{\"OpIndex\":2,\"What\":\"key \\\"c\\\" doesn't exist\"}]}"));
        Txn txn = new Txn(List.of(new Txn.KeyAt("a", 3), Txn.KeyAt.absent("b"), new Txn.Present("c")),
                List.of(new Txn.Put("d", "v")));
        assertThat(store.commit(txn)).isEqualTo(TxnResult.conflict());
    }

    @Test
    @DisplayName("429 (Consul's rate limit) is StoreUnavailableException with Retry-After in the message")
    void rateLimited() {
        server.enqueue(new MockResponse().setResponseCode(429).setHeader("Retry-After", "7").setBody("rate limit exceeded"));
        assertThatThrownBy(() -> store.read("p/"))
                .isInstanceOf(StoreUnavailableException.class)
                .hasMessageContaining("429")
                .hasMessageContaining("Retry-After: 7");
        server.enqueue(new MockResponse().setResponseCode(429).setBody("rate limit exceeded"));
        assertThatThrownBy(() -> store.commit(put("k", "v"))).isInstanceOf(StoreUnavailableException.class);
    }

    @Test
    @DisplayName("403 is StoreUnavailableException naming the permission, on reads, current revision and txns")
    void forbidden() {
        server.enqueue(new MockResponse().setResponseCode(403).setBody("Permission denied"));
        assertThatThrownBy(() -> store.currentRevision())
                .isInstanceOf(StoreUnavailableException.class).hasMessageContaining("permission");
        server.enqueue(new MockResponse().setResponseCode(403).setBody("ACL not found"));
        assertThatThrownBy(() -> store.commit(put("k", "v")))
                .isInstanceOf(StoreUnavailableException.class).hasMessageContaining("403");
    }

    @Test
    @DisplayName("'No cluster leader' 500 is StoreUnavailableException on every call")
    void noClusterLeader() {
        for (int i = 0; i < 4; i++) {
            server.enqueue(new MockResponse().setResponseCode(500).setBody("No cluster leader"));
        }
        assertThatThrownBy(() -> store.read("p/")).isInstanceOf(StoreUnavailableException.class).hasMessageContaining("No cluster leader");
        assertThatThrownBy(() -> store.readPage("p/", null, 0, 5)).isInstanceOf(StoreUnavailableException.class);
        assertThatThrownBy(() -> store.currentRevision()).isInstanceOf(StoreUnavailableException.class);
        assertThatThrownBy(() -> store.commit(put("k", "v"))).isInstanceOf(StoreUnavailableException.class)
                .hasMessageContaining("No cluster leader");
    }

    @Test
    @DisplayName("currentRevision is a consistent single-key read answered with the KV table's index")
    void currentRevisionShape() throws Exception {
        server.enqueue(new MockResponse().setResponseCode(404).setHeader("X-Consul-Index", "4711"));
        assertThat(store.currentRevision()).isEqualTo(4711);
        var request = server.takeRequest();
        assertThat(request.getRequestUrl().queryParameterNames()).containsExactly("consistent");
        assertThat(request.getRequestUrl().encodedPath()).isEqualTo("/v1/kv/" + ConsulKeyValueStore.PROBE_KEY);
        server.enqueue(new MockResponse().setResponseCode(404));
        assertThatThrownBy(() -> store.currentRevision()).isInstanceOf(StoreUnavailableException.class);
    }

    @Test
    @DisplayName("a read-only guarded txn is sent ?consistent (Consul's Txn.Read honours consistency modes)")
    void readOnlyTxnConsistent() throws Exception {
        server.enqueue(json(200, "{\"Results\":null,\"Errors\":null}"));
        assertThat(store.commit(new Txn(List.of(new Txn.PrefixEmpty("h/guests/")), List.of())).committed()).isTrue();
        assertThat(server.takeRequest().getRequestUrl().queryParameterNames()).contains("consistent");
    }

    @Test
    @DisplayName("a page at a revision that is not kept is CompactedException: Consul cannot read at a past index")
    void pageAtUnknownRevision() {
        assertThatThrownBy(() -> store.readPage("p/", "p/a", 77, 10))
                .isInstanceOf(io.lochness.chypervisord.adapter.out.kv.spi.CompactedException.class)
                .hasMessageContaining("77");
        assertThat(server.getRequestCount()).isZero();
    }
}
