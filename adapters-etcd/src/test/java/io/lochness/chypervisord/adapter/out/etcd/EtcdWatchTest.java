package io.lochness.chypervisord.adapter.out.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lochness.chypervisord.adapter.out.kv.spi.CompactedException;
import io.lochness.chypervisord.adapter.out.kv.spi.KeyChange;
import io.lochness.chypervisord.adapter.out.kv.spi.KeyValue;
import io.lochness.chypervisord.adapter.out.kv.spi.Page;
import io.lochness.chypervisord.adapter.out.kv.spi.Txn;
import io.lochness.chypervisord.adapter.out.kv.spi.Watch;
import io.lochness.chypervisord.adapter.out.kv.spi.WatchListener;
import io.lochness.chypervisord.domain.model.StoreUnavailableException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** etcd-specific watch and paging behaviour of {@link EtcdKeyValueStore}, on a real etcd. */
class EtcdWatchTest {

    @RegisterExtension
    static final EtcdServerExtension ETCD = new EtcdServerExtension();

    private EtcdKeyValueStore store;
    private String root;

    @BeforeEach
    void openStore() {
        store = new EtcdKeyValueStore(ETCD.server().settings());
        root = "watch/" + UUID.randomUUID() + "/";
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    private long put(String key, String value) {
        return store.commit(new Txn(List.of(), List.of(new Txn.Put(key, value)))).revision();
    }

    /** Records what the watch said, in order, with the largest change revision seen before each progress. */
    static final class Recorder implements WatchListener {
        final LinkedBlockingQueue<Long> progress = new LinkedBlockingQueue<>();
        final List<Long> changeRevisions = new CopyOnWriteArrayList<>();
        final List<String> violations = new CopyOnWriteArrayList<>();
        final List<Object> ends = new CopyOnWriteArrayList<>();
        final AtomicLong delivered = new AtomicLong();
        final java.util.Set<String> threads = java.util.concurrent.ConcurrentHashMap.newKeySet();
        volatile long lastProgress;

        @Override
        public void onChanges(List<KeyChange> changes) {
            threads.add((Thread.currentThread().isVirtual() ? "virtual " : "platform ") + Thread.currentThread().getName());
            for (KeyChange change : changes) {
                if (change.revision() <= lastProgress) {
                    violations.add("change at " + change.revision() + " after progress " + lastProgress);
                }
                if (change.revision() < delivered.get()) {
                    violations.add("change at " + change.revision() + " after one at " + delivered.get());
                }
                changeRevisions.add(change.revision());
                delivered.set(change.revision());
            }
        }

        @Override
        public void onProgress(long revision) {
            lastProgress = Math.max(lastProgress, revision);
            progress.add(delivered.get());
        }

        @Override
        public void onCompacted(long compactRevision) {
            ends.add("compacted at " + compactRevision);
        }

        @Override
        public void onFailure(StoreUnavailableException cause) {
            ends.add(cause);
        }

        /** The largest change revision delivered before the next progress report. */
        long nextProgress() throws InterruptedException {
            Long seen = progress.poll(30, TimeUnit.SECONDS);
            assertThat(seen).as("a progress report within 30 s").isNotNull();
            return seen;
        }
    }

    @Test
    @DisplayName("under a burst of writes, every write acknowledged before a progress request is delivered before the progress, round after round")
    void progressNeverOvertakesAcknowledgedWrites() throws Exception {
        Recorder recorder = new Recorder();
        AtomicLong acknowledged = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> writers = new ArrayList<>();
        try (Watch watch = store.watch(root, store.currentRevision() + 1, recorder)) {
            // Values of 16 KB keep etcd's send loop busy, so that events wait in its queue while
            // a progress request is answered (the situation of etcd#15220).
            String value = "v".repeat(16 * 1024);
            for (int w = 0; w < 4; w++) {
                int writer = w;
                writers.add(Thread.ofPlatform().start(() -> {
                    // Bounded: stops when told, or after 20,000 writes.
                    for (int i = 0; i < 20_000 && !stop.get(); i++) {
                        long revision = put(root + writer + "/" + (i % 50), value);
                        acknowledged.accumulateAndGet(revision, Math::max);
                    }
                }));
            }
            for (int round = 0; round < 60; round++) {
                Thread.sleep(round % 7);
                long before = acknowledged.get();
                watch.requestProgress();
                long delivered = recorder.nextProgress();
                assertThat(delivered).as("round %d: changes delivered before the progress", round)
                        .isGreaterThanOrEqualTo(before);
            }
            stop.set(true);
            for (Thread writer : writers) {
                writer.join(30_000);
            }
            assertThat(recorder.violations).isEmpty();
            assertThat(recorder.ends).isEmpty();
        } finally {
            stop.set(true);
        }
    }

    @Test
    @DisplayName("a watch from a past revision still catching up reports progress only after the changes it covers")
    void progressOfACatchingUpWatchComesAfterItsChanges() throws Exception {
        String value = "c".repeat(1024);
        for (int missed : new int[] {3000, 300, 1}) {
            String prefix = root + missed + "/";
            long start = store.currentRevision() + 1;
            long last = 0;
            for (int i = 0; i < missed; i++) {
                last = put(prefix + (i % 100), value);
            }
            Recorder recorder = new Recorder();
            try (Watch watch = store.watch(prefix, start, recorder)) {
                watch.requestProgress();
                long delivered = recorder.nextProgress();
                assertThat(delivered).as("%d missed changes delivered before the progress", missed)
                        .isGreaterThanOrEqualTo(last);
                assertThat(recorder.changeRevisions).hasSize(missed);
                assertThat(recorder.violations).isEmpty();
            }
        }
    }

    @Test
    @DisplayName("a watch from a past revision with nothing to catch up on reports progress, and never before a change it covers")
    void progressOfAWatchWithNothingMissed() throws Exception {
        put(root + "w/existing", "so the prefix is not empty");
        for (int round = 0; round < 10; round++) {
            long start = store.currentRevision() + 1;
            put(root + "elsewhere/" + round, "moves the store, not the watch");
            Recorder recorder = new Recorder();
            try (Watch watch = store.watch(root + "w/", start, recorder)) {
                watch.requestProgress();
                assertThat(recorder.nextProgress()).isZero();
                assertThat(recorder.lastProgress).isGreaterThanOrEqualTo(start);
                long change = put(root + "w/" + round, "1");
                watch.requestProgress();
                while (recorder.lastProgress < change) {
                    assertThat(recorder.nextProgress()).isGreaterThanOrEqualTo(change);
                }
                assertThat(recorder.violations).isEmpty();
            }
        }
    }

    @Test
    @DisplayName("a watch delivers every one of a burst of 1,000 writes, in order, then reports progress past them")
    void watchSurvivesABurst() throws Exception {
        Recorder recorder = new Recorder();
        try (Watch watch = store.watch(root, store.currentRevision() + 1, recorder)) {
            List<Long> written = new CopyOnWriteArrayList<>();
            List<Thread> writers = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                int writer = w;
                writers.add(Thread.ofPlatform().start(() -> {
                    for (int i = 0; i < 250; i++) {
                        written.add(put(root + writer + "/" + i, "x".repeat(100)));
                    }
                }));
            }
            for (Thread writer : writers) {
                writer.join(60_000);
            }
            assertThat(written).hasSize(1000);
            long last = written.stream().mapToLong(Long::longValue).max().orElseThrow();
            watch.requestProgress();
            assertThat(recorder.nextProgress()).isGreaterThanOrEqualTo(last);
            assertThat(recorder.changeRevisions).hasSize(1000).isSorted()
                    .containsExactlyInAnyOrderElementsOf(written);
            assertThat(recorder.threads).as("the listener runs on the watch's own virtual thread, not gRPC's")
                    .containsExactly("virtual etcd-watch");
            assertThat(recorder.violations).isEmpty();
            assertThat(recorder.ends).isEmpty();
        }
    }

    @Test
    @DisplayName("a watch from a compacted revision is told the revision etcd compacted at; a paged read there says the same")
    void compactionIsReportedWithItsRevision() throws Exception {
        long old = put(root + "a", "1");
        long newer = put(root + "a", "2");
        ETCD.server().compact(newer);
        Recorder recorder = new Recorder();
        try (Watch watch = store.watch(root, old, recorder)) {
            long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (recorder.ends.isEmpty() && System.nanoTime() < giveUp) {
                Thread.sleep(20);
            }
            assertThat(recorder.ends).hasSize(1);
            assertThat(recorder.ends.get(0)).asString().startsWith("compacted at ");
            long reported = Long.parseLong(recorder.ends.get(0).toString().substring("compacted at ".length()));
            assertThat(reported).isGreaterThanOrEqualTo(newer);
            assertThat(recorder.changeRevisions).isEmpty();
        }
        assertThatThrownBy(() -> store.readPage(root, null, old, 10))
                .isInstanceOfSatisfying(CompactedException.class,
                        e -> assertThat(e.compactRevision()).isGreaterThanOrEqualTo(newer))
                .hasMessageContaining("compacted");
    }

    @Test
    @DisplayName("a prefix larger than the gRPC message limit reads in pages that each fit, with a page limit that would not")
    void pagesStayUnderTheMessageLimit() {
        int limit = 4 * 1024 * 1024;
        String big = "v".repeat(100 * 1024);
        for (int i = 0; i < 200; i++) {
            put(root + String.format("k%03d", i), big);
        }
        try (EtcdKeyValueStore bounded = new EtcdKeyValueStore(ETCD.server().settings(), limit)) {
            assertThatThrownBy(() -> bounded.read(root)).isInstanceOf(StoreUnavailableException.class)
                    .hasMessageContaining("RESOURCE_EXHAUSTED");
            List<KeyValue> all = new ArrayList<>();
            Page page = bounded.readPage(root, null, 0, 1000);
            long at = page.revision();
            int pages = 1;
            all.addAll(page.entries());
            while (page.more()) {
                assertThat(page.entries().size() * (long) big.length()).isLessThan(limit);
                page = bounded.readPage(root, page.lastKey(), at, 1000);
                pages++;
                all.addAll(page.entries());
            }
            assertThat(all).hasSize(200).extracting(KeyValue::key).isSorted().doesNotHaveDuplicates();
            assertThat(all).extracting(KeyValue::value).containsOnly(big);
            assertThat(pages).isGreaterThanOrEqualTo(5);
        }
    }

    @Test
    @DisplayName("a single key larger than the message limit fails the paged read, naming the key")
    void aKeyOverTheLimitIsNamed() {
        put(root + "small", "s");
        put(root + "wide", "w".repeat(200 * 1024));
        try (EtcdKeyValueStore bounded = new EtcdKeyValueStore(ETCD.server().settings(), 64 * 1024)) {
            Page first = bounded.readPage(root, null, 0, 1);
            assertThat(first.entries()).extracting(KeyValue::key).containsExactly(root + "small");
            assertThatThrownBy(() -> bounded.readPage(root, first.lastKey(), first.revision(), 100))
                    .isInstanceOf(StoreUnavailableException.class)
                    .hasMessageContaining("key '" + root + "wide'")
                    .hasMessageContaining("65536");
        }
    }

    @Test
    @DisplayName("closing the store ends its open watches without telling their listeners")
    void closingTheStoreEndsWatchesSilently() throws Exception {
        Recorder recorder = new Recorder();
        store.watch(root, store.currentRevision() + 1, recorder);
        long a = put(root + "a", "1");
        long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (recorder.changeRevisions.isEmpty() && System.nanoTime() < giveUp) {
            Thread.sleep(20);
        }
        assertThat(recorder.changeRevisions).containsExactly(a);
        store.close();
        ETCD.server().put(root + "b", "2");
        Thread.sleep(500);
        assertThat(recorder.ends).isEmpty();
        assertThat(recorder.changeRevisions).containsExactly(a);
    }

    @Test
    @DisplayName("etcd versions with the progress-order fixes are recognised")
    void progressOrderFixedVersions() {
        assertThat(EtcdKeyValueStore.progressOrderFixed("3.4.23")).isFalse();
        assertThat(EtcdKeyValueStore.progressOrderFixed("3.4.30")).isFalse();
        assertThat(EtcdKeyValueStore.progressOrderFixed("3.4.31")).isTrue();
        assertThat(EtcdKeyValueStore.progressOrderFixed("3.5.12")).isFalse();
        assertThat(EtcdKeyValueStore.progressOrderFixed("3.5.13")).isTrue();
        assertThat(EtcdKeyValueStore.progressOrderFixed("3.6.0")).isTrue();
        assertThat(EtcdKeyValueStore.progressOrderFixed("3.3.27")).isFalse();
        assertThat(EtcdKeyValueStore.progressOrderFixed("4.0.0")).isTrue();
        assertThat(EtcdKeyValueStore.progressOrderFixed("garbage")).isFalse();
        assertThat(EtcdKeyValueStore.progressOrderFixed(null)).isFalse();
    }
}
