package io.lochness.chypervisord.adapter.out.consul;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.mockwebserver.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The emulator's own fidelity, on the raw HTTP API: the points where it used to differ from
 * Consul (issue 17), each checked against what Consul's server code answers.
 */
class ConsulEmulatorTest {
    private MockWebServer server;
    private ConsulEmulator emulator;
    private final OkHttpClient http = new OkHttpClient();

    @BeforeEach
    void start() throws IOException {
        emulator = new ConsulEmulator();
        server = new MockWebServer();
        server.setDispatcher(emulator);
        server.start();
    }

    @AfterEach
    void stop() throws IOException {
        emulator.close();
        server.shutdown();
    }

    private record Answer(int code, String body, String index) {}

    private Answer get(String pathAndQuery) throws IOException {
        try (Response r = http.newCall(new Request.Builder().url(server.url(pathAndQuery)).build()).execute()) {
            return new Answer(r.code(), r.body().string(), r.header("X-Consul-Index"));
        }
    }

    private Answer txn(String ops) throws IOException {
        Request request = new Request.Builder().url(server.url("/v1/txn"))
                .put(RequestBody.create(ops, MediaType.get("application/json"))).build();
        try (Response r = http.newCall(request).execute()) {
            return new Answer(r.code(), r.body().string(), r.header("X-Consul-Index"));
        }
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    @DisplayName("an unknown verb is an operation error (409), not a 400 (state/txn.go)")
    void unknownVerbIs409() throws IOException {
        Answer a = txn("[{\"KV\":{\"Verb\":\"frob\",\"Key\":\"k\"}}]");
        assertThat(a.code()).isEqualTo(409);
        assertThat(a.body()).contains("unknown KV verb");
    }

    @Test
    @DisplayName("?keys on an empty prefix is 200 [] (kvs_endpoint.go), ?recurse is 404")
    void emptyPrefixAnswers() throws IOException {
        assertThat(get("/v1/kv/none/?keys")).extracting(Answer::code, Answer::body).containsExactly(200, "[]");
        assertThat(get("/v1/kv/none/?recurse").code()).isEqualTo(404);
    }

    @Test
    @DisplayName("a single-key read answers with the KV table's index, whatever the key (kvsGetTxn)")
    void singleKeyIndexIsTheTables() throws IOException {
        emulator.put("a/x", "1");
        emulator.put("b/y", "1");
        assertThat(get("/v1/kv/a/x").index()).isEqualTo(Long.toString(emulator.tableIndex()));
        assertThat(get("/v1/kv/missing").index()).isEqualTo(Long.toString(emulator.tableIndex()));
        // a prefix list answers with the prefix's own index
        assertThat(Long.parseLong(get("/v1/kv/a/?recurse").index())).isLessThan(emulator.tableIndex());
    }

    @Test
    @DisplayName("delete-tree leaves one tombstone at the prefix, only when it deleted something (kvsDeleteTreeTxn)")
    void deleteTreeTombstone() throws IOException {
        emulator.put("t/a/1", "1");
        emulator.put("t/a/2", "1");
        long before = emulator.tableIndex();
        assertThat(txn("[{\"KV\":{\"Verb\":\"delete-tree\",\"Key\":\"t/none/\"}}]").code()).isEqualTo(200);
        assertThat(emulator.tableIndex()).isEqualTo(before);
        txn("[{\"KV\":{\"Verb\":\"delete-tree\",\"Key\":\"t/a/\"}}]");
        long deleted = emulator.tableIndex();
        assertThat(deleted).isGreaterThan(before);
        assertThat(get("/v1/kv/t/a/?recurse").index()).isEqualTo(Long.toString(deleted));
        // the one tombstone is at "t/a/": a longer prefix does not see it
        emulator.put("other", "x");
        assertThat(get("/v1/kv/t/a/1?recurse").index()).isEqualTo(Long.toString(emulator.tableIndex()));
    }

    @Test
    @DisplayName("an unchanged set keeps its ModifyIndex and moves no index (kvsSetTxn)")
    void unchangedSet() throws IOException {
        String set = "[{\"KV\":{\"Verb\":\"set\",\"Key\":\"u\",\"Value\":\"" + b64("v") + "\"}}]";
        Answer first = txn(set);
        long index = emulator.tableIndex();
        Answer second = txn(set);
        assertThat(second.body()).isEqualTo(first.body());
        assertThat(emulator.tableIndex()).isEqualTo(index);
    }

    @Test
    @DisplayName("limits: 128 operations (64 when set), 512 KiB values and bodies, each a 413 with Consul's message")
    void limits() throws IOException {
        StringBuilder ops = new StringBuilder("[");
        for (int i = 0; i < 100; i++) {
            ops.append(i == 0 ? "" : ",").append("{\"KV\":{\"Verb\":\"get-tree\",\"Key\":\"k").append(i).append("\"}}");
        }
        ops.append("]");
        assertThat(txn(ops.toString()).code()).isEqualTo(200);
        emulator.maxOperations(64);
        assertThat(txn(ops.toString())).extracting(Answer::code, Answer::body)
                .containsExactly(413, "Transaction contains too many operations (100 > 64)");
        emulator.limits(10, 10_000);
        assertThat(txn("[{\"KV\":{\"Verb\":\"set\",\"Key\":\"big\",\"Value\":\"" + b64("x".repeat(11)) + "\"}}]").body())
                .isEqualTo("Value for key \"big\" is too large (11 > 10 bytes)");
        emulator.limits(10, 100);
        assertThat(txn("[{\"KV\":{\"Verb\":\"set\",\"Key\":\"" + "k".repeat(200) + "\"}}]").body())
                .isEqualTo("Request body too large, max size: 100 bytes");
    }

    @Test
    @DisplayName("ACLs: a write without permission is a 409 'Permission denied'; a filtered list says so in its header")
    void acls() throws IOException {
        emulator.put("p/ok", "1");
        emulator.put("p/secret", "1");
        emulator.enableAcls();
        emulator.token("t", java.util.List.of("p/ok"), java.util.List.of());
        Request list = new Request.Builder().url(server.url("/v1/kv/p/?recurse")).header("X-Consul-Token", "t").build();
        try (Response r = http.newCall(list).execute()) {
            assertThat(r.code()).isEqualTo(200);
            assertThat(r.header(ConsulKeyValueStore.FILTERED_HEADER)).isEqualTo("true");
            assertThat(r.body().string()).contains("p/ok").doesNotContain("p/secret");
        }
        Request write = new Request.Builder().url(server.url("/v1/txn")).header("X-Consul-Token", "t")
                .put(RequestBody.create("[{\"KV\":{\"Verb\":\"delete\",\"Key\":\"p/ok\"}}]", MediaType.get("application/json")))
                .build();
        try (Response r = http.newCall(write).execute()) {
            assertThat(r.code()).isEqualTo(409);
            assertThat(r.body().string()).contains("Permission denied");
        }
    }

    @Test
    @DisplayName("a blocking query answers when the prefix's index passes the one asked for, else at the wait's end")
    void blockingQuery() throws Exception {
        emulator.put("q/a", "1");
        long index = Long.parseLong(get("/v1/kv/q/?recurse").index());
        long started = System.nanoTime();
        Answer timedOut = get("/v1/kv/q/?recurse&index=" + index + "&wait=200ms");
        assertThat(timedOut.index()).isEqualTo(Long.toString(index));
        assertThat(System.nanoTime() - started).isGreaterThanOrEqualTo(150_000_000L);
        Thread writer = Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            emulator.put("q/b", "2");
        });
        Answer woken = get("/v1/kv/q/?recurse&index=" + index + "&wait=60s");
        writer.join();
        assertThat(Long.parseLong(woken.index())).isGreaterThan(index);
        assertThat(woken.body()).contains("q/b");
    }
}
