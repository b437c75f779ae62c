package io.lochness.chypervisord.adapter.out.consul;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lochness.chypervisord.adapter.out.kv.spi.KeyValue;
import io.lochness.chypervisord.adapter.out.kv.spi.Txn;
import io.lochness.chypervisord.adapter.out.kv.spi.TxnResult;
import io.lochness.chypervisord.adapter.out.kv.spi.Watch;
import io.lochness.chypervisord.adapter.out.kv.spi.WatchRecorder;
import io.lochness.chypervisord.domain.model.InvalidInputException;
import io.lochness.chypervisord.domain.model.StoreUnavailableException;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Issue 17: the adapter against an emulator that behaves as Consul's server code says (see
 * {@link ConsulEmulator}), on the points where a flattering emulator would let a test pass that
 * real Consul would fail: unchanged sets, prefix tombstones, operation and size limits, ACL
 * filtering and denials, "No cluster leader", rate limits, the guard's window.
 */
class ConsulAsConsulBehavesTest {

    private MockWebServer server;
    private ConsulEmulator emulator;
    private String root;

    @BeforeEach
    void start() throws IOException {
        emulator = new ConsulEmulator();
        server = new MockWebServer();
        server.setDispatcher(emulator);
        server.start();
        root = "b/" + UUID.randomUUID() + "/";
    }

    @AfterEach
    void stop() throws IOException {
        emulator.close();
        server.shutdown();
    }

    private ConsulKeyValueStore store(String token, ConsulSettings.Limits limits) {
        URI endpoint = URI.create("http://127.0.0.1:" + server.getPort());
        return new ConsulKeyValueStore(new ConsulSettings(endpoint, token, null).withLimits(limits), Duration.ofSeconds(5),
                Duration.ofSeconds(30));
    }

    private ConsulKeyValueStore store() {
        return store(null, ConsulSettings.Limits.DEFAULT);
    }

    private static Txn put(String key, String value) {
        return new Txn(List.of(), List.of(new Txn.Put(key, value)));
    }

    @Test
    @DisplayName("setting a key to the value it has keeps its ModifyIndex: the commit returns the old revision, nothing moves")
    void unchangedSetKeepsItsIndex() {
        try (ConsulKeyValueStore store = store()) {
            long first = store.commit(put(root + "k", "v")).revision();
            long before = store.currentRevision();
            TxnResult again = store.commit(put(root + "k", "v"));
            assertThat(again).isEqualTo(TxnResult.committed(first));
            assertThat(store.currentRevision()).isEqualTo(before);
            assertThat(store.read(root).entries()).containsExactly(new KeyValue(root + "k", "v", first));
            // One write of a transaction unchanged, one changed: they do not share a revision.
            TxnResult mixed = store.commit(new Txn(List.of(), List.of(new Txn.Put(root + "k", "v"), new Txn.Put(root + "j", "w"))));
            assertThat(store.read(root).entries()).extracting(KeyValue::revision).containsExactly(mixed.revision(), first);
        }
    }

    @Test
    @DisplayName("a prefix delete that deletes nothing moves no index; one that deletes moves the prefix's index once")
    void deleteTreeTombstone() {
        try (ConsulKeyValueStore store = store()) {
            store.commit(put(root + "h/a", "1"));
            store.commit(put(root + "h/b", "1"));
            long before = store.currentRevision();
            store.commit(new Txn(List.of(), List.of(new Txn.DeletePrefix(root + "nothing/"))));
            assertThat(store.currentRevision()).isEqualTo(before);
            long committed = store.commit(new Txn(List.of(), List.of(new Txn.DeletePrefix(root + "h/")))).revision();
            long deleted = store.currentRevision();
            assertThat(deleted).isGreaterThan(before);
            // Consul reports no index for a delete; the commit's revision still covers it.
            assertThat(committed).isEqualTo(deleted);
            // The one tombstone sits at the prefix: the prefix's read index is the delete's.
            assertThat(store.readPage(root + "h/", null, 0, 10).revision()).isEqualTo(deleted);
        }
    }

    @Test
    @DisplayName("128 operations by default; a Consul before 1.14 (64) answers 413, which is a 4xx, and the 64 setting refuses before sending")
    void operationLimits() {
        List<Txn.Mutation> puts = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            puts.add(new Txn.Put(root + "k" + i, "v"));
        }
        try (ConsulKeyValueStore store = store()) {
            assertThat(store.commit(new Txn(List.of(), puts)).committed()).isTrue();
            emulator.maxOperations(64);
            assertThatThrownBy(() -> store.commit(new Txn(List.of(), puts)))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("too many operations (100 > 64)");
        }
        int sent = emulator.txnCount();
        try (ConsulKeyValueStore old = store(null, new ConsulSettings.Limits(64, 512 * 1024, 512 * 1024))) {
            assertThat(old.maxTxnOperations()).isEqualTo(64);
            assertThatThrownBy(() -> old.commit(new Txn(List.of(), puts))).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(emulator.txnCount()).isEqualTo(sent);
    }

    @Test
    @DisplayName("a Consul configured with smaller limits answers 413: InvalidInputException naming the limit")
    void smallerServerLimits() {
        emulator.limits(1024, 1024);
        try (ConsulKeyValueStore store = store()) {
            assertThatThrownBy(() -> store.commit(put(root + "k", "x".repeat(2000))))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("1024");
        }
    }

    @Test
    @DisplayName("a token that may read part of the prefix: reads and watches of the prefix are errors, never partial")
    void aclFiltering() throws Exception {
        emulator.put(root + "ok/a", "1");
        emulator.put(root + "secret/b", "1");
        emulator.enableAcls();
        emulator.token("partial", List.of(root + "ok/"), List.of(root + "ok/"));
        try (ConsulKeyValueStore store = store("partial", ConsulSettings.Limits.DEFAULT)) {
            assertThat(store.read(root + "ok/").entries()).hasSize(1);
            assertThatThrownBy(() -> store.read(root)).isInstanceOf(StoreUnavailableException.class)
                    .hasMessageContaining("read permission");
            assertThatThrownBy(() -> store.readPage(root, null, 0, 10)).isInstanceOf(StoreUnavailableException.class);
            WatchRecorder heard = new WatchRecorder();
            try (Watch watch = store.watch(root, 1, heard)) {
                assertThat(heard.next()).isInstanceOf(WatchRecorder.Failed.class);
            }
        }
    }

    @Test
    @DisplayName("a write the token may not make is an error naming the permission, not a conflict the domain would retry")
    void aclDeniedWrite() {
        emulator.enableAcls();
        emulator.token("reader", List.of(root), List.of());
        try (ConsulKeyValueStore store = store("reader", ConsulSettings.Limits.DEFAULT)) {
            assertThatThrownBy(() -> store.commit(put(root + "k", "v")))
                    .isInstanceOf(StoreUnavailableException.class)
                    .hasMessageContaining("permission");
        }
        try (ConsulKeyValueStore anonymous = store()) {
            assertThatThrownBy(() -> anonymous.currentRevision()).isInstanceOf(StoreUnavailableException.class)
                    .hasMessageContaining("403");
        }
    }

    @Test
    @DisplayName("during an election every call is StoreUnavailableException ('No cluster leader'), and ping says no leader")
    void noLeader() {
        try (ConsulKeyValueStore store = store()) {
            emulator.noLeader(true);
            assertThatThrownBy(() -> store.read(root)).isInstanceOf(StoreUnavailableException.class)
                    .hasMessageContaining("No cluster leader");
            assertThatThrownBy(() -> store.commit(put(root + "k", "v"))).isInstanceOf(StoreUnavailableException.class);
            assertThatThrownBy(store::currentRevision).isInstanceOf(StoreUnavailableException.class);
            assertThatThrownBy(store::ping).isInstanceOf(StoreUnavailableException.class).hasMessageContaining("no leader");
            emulator.noLeader(false);
            store.ping();
        }
    }

    @Test
    @DisplayName("a 429 is StoreUnavailableException with Consul's Retry-After")
    void rateLimit() {
        emulator.failNext(new MockResponse().setResponseCode(429).setHeader("Retry-After", "3").setBody("rate limit exceeded"));
        try (ConsulKeyValueStore store = store()) {
            assertThatThrownBy(() -> store.read(root)).isInstanceOf(StoreUnavailableException.class)
                    .hasMessageContaining("Retry-After: 3");
        }
    }

    @Test
    @DisplayName("the guard's remaining window (documented): a guest written between the consistent guard read and the txn is deleted with its hypervisor")
    void guardWindow() {
        try (ConsulKeyValueStore store = store()) {
            String h = root + "h/";
            store.commit(put(h + "metadata", "{}"));
            assertThat(store.prefixConditionAtomic()).isFalse();
            emulator.beforeNextTxn(() -> emulator.put(h + "guests/late", ""));
            TxnResult result = store.commit(new Txn(List.of(new Txn.PrefixEmpty(h + "guests/")), List.of(new Txn.DeletePrefix(h))));
            assertThat(result.committed()).isTrue();
            assertThat(store.read(h).entries()).isEmpty();
        }
    }
}
