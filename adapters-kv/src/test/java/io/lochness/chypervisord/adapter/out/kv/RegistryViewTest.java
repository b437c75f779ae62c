package io.lochness.chypervisord.adapter.out.kv;

import static org.assertj.core.api.Assertions.assertThat;

import io.lochness.chypervisord.adapter.out.kv.memory.InMemoryKeyValueStore;
import io.lochness.chypervisord.adapter.out.kv.spi.KeyValue;
import io.lochness.chypervisord.adapter.out.kv.spi.KeyValueStore;
import io.lochness.chypervisord.adapter.out.kv.spi.Page;
import io.lochness.chypervisord.adapter.out.kv.spi.Txn;
import io.lochness.chypervisord.domain.TestHypervisors;
import io.lochness.chypervisord.domain.model.Hypervisor;
import io.lochness.chypervisord.domain.model.HypervisorId;
import io.lochness.chypervisord.domain.model.StoredHypervisor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The registry view over the in-memory store: loading, following, resuming, reloading, consistency. */
class RegistryViewTest {
    private InMemoryKeyValueStore store;
    private InterceptingStore intercepting;
    private RegistryView view;
    private KvHypervisorRepository viewed;
    private KvHypervisorRepository direct;

    @BeforeEach
    void setUp() {
        store = new InMemoryKeyValueStore();
        intercepting = new InterceptingStore(store);
        direct = new KvHypervisorRepository(store, null);
    }

    @AfterEach
    void tearDown() {
        if (view != null) {
            view.close();
        }
    }

    private void startView(int pageSize) {
        view = new RegistryView(intercepting, pageSize, Duration.ofSeconds(5));
        viewed = new KvHypervisorRepository(intercepting, view);
        view.start();
        awaitReady();
    }

    /** Deadline of every wait here: generous, since a loaded machine may delay the view's threads. */
    private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(60);

    private void awaitReady() {
        long giveUp = System.nanoTime() + WAIT_NANOS;
        while (view.state() != RegistryView.State.READY) {
            assertThat(System.nanoTime()).as("view ready in time").isLessThan(giveUp);
            sleep(5);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private long put(String key, String value) {
        return store.commit(new Txn(List.of(), List.of(new Txn.Put(key, value)))).revision();
    }

    private void delete(String key) {
        store.commit(new Txn(List.of(), List.of(new Txn.Delete(key))));
    }

    private Hypervisor create() {
        Hypervisor h = TestHypervisors.withRandomId().build();
        assertThat(direct.create(h)).isPresent();
        return h;
    }

    @Test
    @DisplayName("the view loads what is stored and serves it, the list sorted by id")
    void loadsAndServes() {
        List<Hypervisor> made = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            made.add(create());
        }
        put(LochnessLayout.config(made.get(0).id(), new io.lochness.chypervisord.domain.model.ConfigKey("k")), "v");
        startView(7); // several pages
        assertThat(viewed.list()).containsExactlyElementsOf(direct.list());
        assertThat(viewed.list()).extracting(h -> h.id().value()).isSorted().hasSize(30);
        assertThat(viewed.find(made.get(0).id()).orElseThrow().configValues()).containsEntry("k", "v");
        assertThat(view.size()).isEqualTo(30);
    }

    @Test
    @DisplayName("a key written straight into the store before a read is in that read, whatever the key")
    void directWritesAreSeenByTheNextRead() {
        startView(100);
        Hypervisor h = create();
        assertThat(viewed.find(h.id())).isPresent();
        String guests = LochnessLayout.guest(h.id(), "g1");
        put(guests, "");
        assertThat(viewed.find(h.id()).orElseThrow().guests()).containsExactly("g1");
        put(LochnessLayout.heartbeat(h.id()), "alive");
        assertThat(viewed.find(h.id()).orElseThrow().alive()).isTrue();
        delete(LochnessLayout.heartbeat(h.id()));
        assertThat(viewed.find(h.id()).orElseThrow().alive()).isFalse();
        store.commit(new Txn(List.of(), List.of(new Txn.DeletePrefix(LochnessLayout.prefix(h.id())))));
        assertThat(viewed.find(h.id())).isEmpty();
        assertThat(viewed.list()).doesNotContain(h);
    }

    @Test
    @DisplayName("hundreds of write-then-read rounds never read the old value")
    void writeThenReadIsNeverStale() {
        startView(100);
        Hypervisor h = create();
        for (int i = 0; i < 300; i++) {
            String value = "v" + i;
            put(LochnessLayout.configPrefix(h.id()) + "round", value);
            assertThat(viewed.find(h.id()).orElseThrow().configValues()).containsEntry("round", value);
        }
        // Served from the view, not by reading the store again: once the view has applied the last
        // write (a read above may have gone to the store when the view lagged on a busy machine).
        assertThat(view.awaitApplied(store.currentRevision(), java.time.Duration.ofSeconds(60))).isTrue();
        intercepting.resetCounts();
        viewed.find(h.id());
        assertThat(intercepting.reads).hasValue(0);
        assertThat(intercepting.revisionCalls).hasValue(1);
    }

    @Test
    @DisplayName("a broken watch resumes from the last revision it applied; no read in between is stale")
    void brokenWatchResumes() {
        startView(100);
        Hypervisor h = create();
        for (int round = 0; round < 20; round++) {
            store.breakWatches();
            String value = "after break " + round;
            put(LochnessLayout.configPrefix(h.id()) + "k", value);
            assertThat(viewed.find(h.id()).orElseThrow().configValues()).containsEntry("k", value);
        }
        long giveUp = System.nanoTime() + WAIT_NANOS;
        while (true) { // the view is back to serving from memory
            intercepting.resetCounts();
            viewed.find(h.id());
            if (intercepting.reads.get() == 0) {
                break;
            }
            assertThat(System.nanoTime()).isLessThan(giveUp);
            sleep(20);
        }
    }

    @Test
    @DisplayName("a compaction past the view's revision makes it load again, and it serves the new state")
    void compactionReloads() {
        startView(100);
        Hypervisor h = create();
        long loaded = view.appliedRevision();
        store.breakWatches(); // the re-watch starts at the revision after the last applied ...
        for (int i = 0; i < 5; i++) {
            put(LochnessLayout.configPrefix(h.id()) + "k", "v" + i);
        }
        long now = store.currentRevision();
        store.compact(now); // ... which is gone by then
        assertThat(viewed.find(h.id()).orElseThrow().configValues()).containsEntry("k", "v4");
        awaitReady();
        long giveUp = System.nanoTime() + WAIT_NANOS;
        while (view.appliedRevision() < now) {
            assertThat(System.nanoTime()).isLessThan(giveUp);
            sleep(10);
        }
        assertThat(view.appliedRevision()).isGreaterThan(loaded);
        assertThat(viewed.find(h.id()).orElseThrow().configValues()).containsEntry("k", "v4");
    }

    @Test
    @DisplayName("while the view loads, reads go to the store and answer at once")
    void readsGoDirectWhileLoading() throws Exception {
        create();
        CountDownLatch loading = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        KeyValueStore slowLoad = new io.lochness.chypervisord.adapter.out.kv.spi.ForwardingKeyValueStore(store) {
            @Override
            public Page readPage(String prefix, String afterKey, long revision, int limit) {
                if (prefix.equals(LochnessLayout.HYPERVISORS) && limit == 50) {
                    loading.countDown();
                    try {
                        release.await(60, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return delegate.readPage(prefix, afterKey, revision, limit);
            }
        };
        view = new RegistryView(slowLoad, 50, Duration.ofSeconds(5));
        KvHypervisorRepository repo = new KvHypervisorRepository(slowLoad, view);
        view.start();
        assertThat(loading.await(60, TimeUnit.SECONDS)).isTrue();
        assertThat(view.state()).isEqualTo(RegistryView.State.LOADING);
        Hypervisor later = create();
        assertThat(repo.list()).contains(later).hasSize(2);
        assertThat(repo.find(later.id())).isPresent();
        release.countDown();
        awaitReady();
        assertThat(repo.list()).hasSize(2);
    }

    @Test
    @DisplayName("a record another writer corrupted is left out of the list and answers as unreadable")
    void corruptRecordLeftOut() {
        startView(100);
        Hypervisor good = create();
        HypervisorId bad = HypervisorId.random();
        put(LochnessLayout.metadata(bad), "{not json");
        assertThat(viewed.list()).containsExactly(good);
        StoredHypervisor stored = viewed.find(bad).orElseThrow();
        assertThat(stored.unreadable()).contains("cannot be read");
    }

    @Test
    @DisplayName("keys of ids this service cannot address are ignored, not fatal")
    void strayKeysIgnored() {
        put(LochnessLayout.HYPERVISORS + "not-a-uuid/metadata", "{}");
        put(LochnessLayout.HYPERVISORS + "ABCD1234-ABCD-1234-ABCD-1234ABCD1234/metadata", "{}");
        put(LochnessLayout.HYPERVISORS + "orphan", "x");
        startView(2);
        Hypervisor h = create();
        put(LochnessLayout.HYPERVISORS + "also-not-a-uuid/config/x", "y");
        assertThat(viewed.list()).containsExactly(h);
    }

    @Test
    @DisplayName("paging with a tiny page size loads exactly the snapshot at one revision while writers run")
    void pagedLoadIsOneSnapshot() throws Exception {
        List<Hypervisor> made = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            made.add(create());
        }
        AtomicBoolean stop = new AtomicBoolean();
        Thread writer = Thread.ofVirtual().start(() -> {
            Random random = new Random(1);
            for (int n = 0; n < 3_000 && !stop.get(); n++) {
                Hypervisor h = made.get(random.nextInt(made.size()));
                put(LochnessLayout.configPrefix(h.id()) + "churn", Integer.toString(random.nextInt()));
                Hypervisor extra = TestHypervisors.withRandomId().build();
                direct.create(extra);
                store.commit(new Txn(List.of(), List.of(new Txn.DeletePrefix(LochnessLayout.prefix(extra.id())))));
            }
        });
        try {
            // The loader's own paged read, checked against the store's snapshot at its revision.
            List<KeyValue> paged = new ArrayList<>();
            Page page = store.readPage(LochnessLayout.HYPERVISORS, null, 0, 3);
            long at = page.revision();
            paged.addAll(page.entries());
            while (page.more()) {
                page = store.readPage(LochnessLayout.HYPERVISORS, page.lastKey(), at, 3);
                paged.addAll(page.entries());
            }
            Page whole = store.readPage(LochnessLayout.HYPERVISORS, null, at, Integer.MAX_VALUE);
            assertThat(paged).isEqualTo(whole.entries());
            startView(3);
            assertThat(view.appliedRevision()).isGreaterThanOrEqualTo(at);
        } finally {
            stop.set(true);
            writer.join();
        }
        assertThat(viewed.list()).containsExactlyElementsOf(direct.list());
    }

    @Test
    @DisplayName("model check: after a random mix of API and direct writes, the view answers as a direct read, hypervisor by hypervisor")
    void modelCheck() {
        startView(5);
        Random random = new Random(42);
        List<HypervisorId> ids = new ArrayList<>();
        for (int step = 0; step < 2_000; step++) {
            int op = random.nextInt(9);
            HypervisorId id = ids.isEmpty() || op == 0 ? null : ids.get(random.nextInt(ids.size()));
            switch (op) {
                case 0 -> ids.add(create().id());
                case 1 -> { // a whole hypervisor appears straight in the store
                    HypervisorId fresh = HypervisorId.random();
                    store.commit(new Txn(List.of(), List.of(
                            new Txn.Put(LochnessLayout.metadata(fresh), "{\"id\":\"" + fresh.value() + "\"}"),
                            new Txn.Put(LochnessLayout.configPrefix(fresh) + "a", "1"))));
                    ids.add(fresh);
                }
                case 2 -> { if (id != null) store.commit(new Txn(List.of(), List.of(new Txn.DeletePrefix(LochnessLayout.prefix(id))))); }
                case 3 -> { if (id != null) put(LochnessLayout.configPrefix(id) + "k" + random.nextInt(4), "v" + step); }
                case 4 -> { if (id != null) delete(LochnessLayout.configPrefix(id) + "k" + random.nextInt(4)); }
                case 5 -> { if (id != null) put(LochnessLayout.guest(id, "g" + random.nextInt(3)), ""); }
                case 6 -> { if (id != null) delete(LochnessLayout.heartbeat(id)); }
                case 7 -> { if (id != null) put(LochnessLayout.heartbeat(id), "x"); }
                default -> { if (id != null) put(LochnessLayout.subnetsPrefix(id) + "s" + random.nextInt(3), "br" + step); }
            }
            if (step % 50 == 0) {
                store.breakWatches();
            }
            if (step % 10 == 0 || step == 1_999) {
                assertThat(viewed.list()).isEqualTo(direct.list());
                for (HypervisorId each : ids) {
                    Optional<StoredHypervisor> fromView = viewed.find(each);
                    Optional<StoredHypervisor> fromStore = direct.findLatest(each);
                    assertThat(fromView).as("hypervisor %s at step %d", each, step).isEqualTo(fromStore);
                }
            }
        }
    }
}
