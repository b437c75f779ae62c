package io.lochness.chypervisord.adapter.out.consul;

import static org.assertj.core.api.Assertions.assertThat;

import io.lochness.chypervisord.adapter.out.kv.spi.KeyChange;
import io.lochness.chypervisord.adapter.out.kv.spi.Page;
import io.lochness.chypervisord.adapter.out.kv.spi.Watch;
import io.lochness.chypervisord.adapter.out.kv.spi.WatchRecorder;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import okhttp3.mockwebserver.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * What the Consul watch does that the SPI contract cannot check on every store: replay from a
 * baseline it kept, coalescing, compaction when it cannot know, index going backwards, a progress
 * answer without waiting out the blocking query, one failure. On {@link ConsulEmulator}.
 */
class ConsulWatchTest {
    /**
     * How long a watch may take to say something: a deadline for what normally comes within
     * milliseconds, generous for a loaded machine, and still far under the 5 minute blocking
     * query that "at once" is told apart from.
     */
    private static final long WAIT_SECONDS = 30;

    private MockWebServer server;
    private ConsulEmulator emulator;
    private String p;

    @BeforeEach
    void start() throws IOException {
        emulator = new ConsulEmulator();
        server = new MockWebServer();
        server.setDispatcher(emulator);
        server.start();
        p = "w/" + UUID.randomUUID() + "/";
    }

    @AfterEach
    void stop() throws IOException {
        emulator.close();
        server.shutdown();
    }

    private ConsulKeyValueStore store(Duration watchWait) {
        URI endpoint = URI.create("http://127.0.0.1:" + server.getPort());
        // A per-call deadline no loaded machine reaches: no test here times a call.
        return new ConsulKeyValueStore(new ConsulSettings(endpoint, null, null), Duration.ofSeconds(30), watchWait);
    }

    @Test
    @DisplayName("a watch from a kept paged read gets the net changes since it: last value per key, deletes at the answer's index, a key created and deleted in between not at all")
    void replayFromKeptPagedReadCoalesces() throws Exception {
        emulator.put(p + "a", "1");
        emulator.put(p + "b", "1");
        emulator.put(p + "c", "1");
        try (ConsulKeyValueStore store = store(Duration.ofSeconds(30))) {
            Page page = store.readPage(p, null, 0, 2);
            emulator.put(p + "a", "2");
            emulator.put(p + "a", "3");
            long aIndex = emulator.tableIndex();
            emulator.delete(p + "b");
            emulator.put(p + "d", "1");
            long dIndex = emulator.tableIndex();
            emulator.put(p + "e", "1");
            emulator.delete(p + "e");
            long last = emulator.tableIndex();
            WatchRecorder heard = new WatchRecorder();
            try (Watch watch = store.watch(p, page.revision() + 1, heard)) {
                assertThat(heard.nextChanges()).containsExactly(
                        KeyChange.put(p + "a", "3", aIndex),
                        KeyChange.put(p + "d", "1", dIndex),
                        KeyChange.delete(p + "b", last));
            }
        }
    }

    @Test
    @DisplayName("a watch from a revision the adapter never saw, with changes since, reports a compaction")
    void unknownBaselineIsCompacted() throws Exception {
        emulator.put(p + "a", "1");
        long first = emulator.tableIndex();
        emulator.put(p + "a", "2");
        try (ConsulKeyValueStore store = store(Duration.ofSeconds(30))) {
            WatchRecorder heard = new WatchRecorder();
            try (Watch watch = store.watch(p, first, heard)) {
                assertThat(heard.next()).isEqualTo(new WatchRecorder.Compacted(emulator.tableIndex()));
            }
        }
    }

    @Test
    @DisplayName("a watch restarted after the last revision an earlier one delivered continues from where it was")
    void restartFromWhereTheLastWatchWas() throws Exception {
        try (ConsulKeyValueStore store = store(Duration.ofSeconds(30))) {
            WatchRecorder first = new WatchRecorder();
            long delivered;
            try (Watch watch = store.watch(p, store.currentRevision() + 1, first)) {
                emulator.put(p + "a", "1");
                delivered = first.nextChanges().get(0).revision();
            }
            emulator.put(p + "b", "1");
            emulator.delete(p + "a");
            WatchRecorder second = new WatchRecorder();
            try (Watch watch = store.watch(p, delivered + 1, second)) {
                List<KeyChange> changes = second.nextChanges();
                assertThat(changes).extracting(KeyChange::key, KeyChange::deleted).containsExactly(
                        org.assertj.core.groups.Tuple.tuple(p + "b", false),
                        org.assertj.core.groups.Tuple.tuple(p + "a", true));
            }
        }
    }

    @Test
    @DisplayName("a prefix index that goes backwards (tombstones reaped) ends the watch with a compaction")
    void indexGoingBackwardsIsCompaction() throws Exception {
        emulator.put(p + "a", "1");
        emulator.put(p + "b", "1");
        try (ConsulKeyValueStore store = store(Duration.ofSeconds(1))) {
            WatchRecorder heard = new WatchRecorder();
            try (Watch watch = store.watch(p, store.currentRevision() + 1, heard)) {
                emulator.delete(p + "b");
                long deleted = emulator.tableIndex();
                assertThat(heard.nextChanges()).containsExactly(KeyChange.delete(p + "b", deleted));
                emulator.reapTombstones(deleted);
                Object o;
                do {
                    o = heard.next(); // progress at the timeouts before the reaping was seen
                } while (o instanceof WatchRecorder.Progress);
                assertThat(o).isInstanceOf(WatchRecorder.Compacted.class);
                assertThat(((WatchRecorder.Compacted) o).revision()).isLessThan(deleted);
            }
        }
    }

    @Test
    @DisplayName("requestProgress is answered at once, not when the blocking query times out, and covers writes elsewhere")
    void progressWithoutWaitingOutTheBlockingQuery() throws Exception {
        emulator.put(p + "a", "1");
        try (ConsulKeyValueStore store = store(Duration.ofMinutes(5))) {
            WatchRecorder heard = new WatchRecorder();
            try (Watch watch = store.watch(p, store.currentRevision() + 1, heard)) {
                emulator.put("elsewhere/" + UUID.randomUUID(), "x");
                long current = store.currentRevision();
                long started = System.nanoTime();
                watch.requestProgress();
                Object o = heard.next();
                assertThat(o).isInstanceOf(WatchRecorder.Progress.class);
                assertThat(((WatchRecorder.Progress) o).revision()).isGreaterThanOrEqualTo(current);
                assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(WAIT_SECONDS));
                // The check that the prefix did not move transfers a few bytes: Consul folds every
                // key under the prefix into one with ?keys&separator (KVSListKeys).
                boolean folded = false;
                okhttp3.mockwebserver.RecordedRequest r;
                while ((r = server.takeRequest(100, TimeUnit.MILLISECONDS)) != null) {
                    folded |= r.getRequestUrl().queryParameterNames().containsAll(List.of("keys", "separator", "consistent"))
                            && "/".equals(r.getRequestUrl().queryParameter("separator"))
                            && r.getRequestUrl().encodedPath().equals("/v1/kv/" + p.substring(0, p.length() - 1));
                }
                assertThat(folded).as("a ?keys&separator=/ read of the prefix without its last /").isTrue();
                // and the watch still works afterwards
                emulator.put(p + "b", "2");
                assertThat(heard.nextChanges()).extracting(KeyChange::key).containsExactly(p + "b");
            }
        }
    }

    @Test
    @DisplayName("a failure ends the watch with exactly one onFailure")
    void failureOnce() throws Exception {
        try (ConsulKeyValueStore store = store(Duration.ofMinutes(5))) {
            WatchRecorder heard = new WatchRecorder();
            try (Watch watch = store.watch(p, store.currentRevision() + 1, heard)) {
                emulator.noLeader(true);
                watch.requestProgress();
                assertThat(heard.next()).isInstanceOf(WatchRecorder.Failed.class);
                watch.requestProgress();
                assertThat(heard.poll(Duration.ofMillis(500))).isNull();
            }
        }
    }

    @Test
    @DisplayName("a watch whose start cannot read the prefix reports the failure through the listener, not by throwing")
    void primeFailureGoesToTheListener() throws Exception {
        emulator.noLeader(true);
        try (ConsulKeyValueStore store = store(Duration.ofMinutes(5))) {
            WatchRecorder heard = new WatchRecorder();
            List<Object> all = new ArrayList<>();
            try (Watch watch = store.watch(p, 5, heard)) {
                all.add(heard.next());
            }
            assertThat(all).singleElement().isInstanceOf(WatchRecorder.Failed.class);
        }
    }

    @Test
    @DisplayName("paging and watching 2,000 keys: the pages are the snapshot, the watch diffs one change among them")
    void manyKeys() throws Exception {
        for (int i = 0; i < 2000; i++) {
            emulator.put(p + String.format("h%04d/metadata", i), "{\"n\":" + i + "}");
        }
        try (ConsulKeyValueStore store = store(Duration.ofSeconds(30))) {
            Page page = store.readPage(p, null, 0, 300);
            long at = page.revision();
            emulator.put(p + "h0000/metadata", "changed"); // after the first page: not in the snapshot
            List<String> values = new ArrayList<>(page.entries().stream().map(kv -> kv.value()).toList());
            while (page.more()) {
                page = store.readPage(p, page.lastKey(), at, 300);
                values.addAll(page.entries().stream().map(kv -> kv.value()).toList());
            }
            assertThat(values).hasSize(2000).doesNotContain("changed");
            WatchRecorder heard = new WatchRecorder();
            try (Watch watch = store.watch(p, at + 1, heard)) {
                assertThat(heard.nextChanges()).containsExactly(
                        KeyChange.put(p + "h0000/metadata", "changed", emulator.tableIndex()));
            }
            // The watch took the kept read as its start: the paged read is over.
            long over = at;
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> store.readPage(p, null, over, 10))
                    .isInstanceOf(io.lochness.chypervisord.adapter.out.kv.spi.CompactedException.class);
        }
    }

    @Test
    @DisplayName("a watch restarted at the last change delivered continues even when the answer's index was past it (a key created and deleted in between)")
    void restartAtLastChangeOfACoalescedAnswer() throws Exception {
        emulator.put(p + "a", "1");
        try (ConsulKeyValueStore store = store(Duration.ofSeconds(30))) {
            Page page = store.readPage(p, null, 0, 10);
            emulator.put(p + "a", "2");
            long aIndex = emulator.tableIndex();
            emulator.put(p + "e", "1");
            emulator.delete(p + "e"); // the answer's index is this delete's, past every change reported
            WatchRecorder first = new WatchRecorder();
            try (Watch watch = store.watch(p, page.revision() + 1, first)) {
                assertThat(first.nextChanges()).containsExactly(KeyChange.put(p + "a", "2", aIndex));
            }
            emulator.put(p + "b", "1");
            WatchRecorder second = new WatchRecorder();
            try (Watch watch = store.watch(p, aIndex + 1, second)) {
                Object o = second.next();
                assertThat(o).isInstanceOf(List.class);
                assertThat(o).isEqualTo(List.of(KeyChange.put(p + "b", "1", emulator.tableIndex())));
            }
        }
    }
}
