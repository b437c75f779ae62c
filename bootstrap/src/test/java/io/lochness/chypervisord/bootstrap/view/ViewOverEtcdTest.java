package io.lochness.chypervisord.bootstrap.view;

import static org.assertj.core.api.Assertions.assertThat;

import io.lochness.chypervisord.adapter.out.etcd.EtcdKeyValueStore;
import io.lochness.chypervisord.adapter.out.etcd.EtcdServerExtension;
import io.lochness.chypervisord.adapter.out.kv.KvHypervisorRepository;
import io.lochness.chypervisord.adapter.out.kv.LochnessLayout;
import io.lochness.chypervisord.adapter.out.kv.RegistryView;
import io.lochness.chypervisord.adapter.out.kv.spi.ForwardingKeyValueStore;
import io.lochness.chypervisord.adapter.out.kv.spi.KeyValueStore;
import io.lochness.chypervisord.adapter.out.kv.spi.Watch;
import io.lochness.chypervisord.adapter.out.kv.spi.WatchListener;
import io.lochness.chypervisord.domain.TestHypervisors;
import io.lochness.chypervisord.domain.model.ConfigKey;
import io.lochness.chypervisord.domain.model.Hypervisor;
import io.lochness.chypervisord.domain.model.HypervisorId;
import io.lochness.chypervisord.domain.model.Precondition;
import io.lochness.chypervisord.domain.model.StoreUnavailableException;
import io.lochness.chypervisord.domain.model.StoredHypervisor;
import io.lochness.chypervisord.domain.service.HypervisorRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The registry view over a real etcd: consistency between two services, resilience to etcd
 * restarts, cut streams and compaction, and a model check against direct reads.
 */
class ViewOverEtcdTest {
    @RegisterExtension
    static final EtcdServerExtension ETCD = new EtcdServerExtension();

    /** One service's persistence: its own etcd client, view and registry. */
    private record Service(KeyValueStore store, RegistryView view, KvHypervisorRepository repository,
            HypervisorRegistry registry) implements AutoCloseable {
        @Override
        public void close() {
            view.close();
            store.close();
        }
    }

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    private Service service(KeyValueStore store) {
        RegistryView view = new RegistryView(store, 100, Duration.ofSeconds(2));
        KvHypervisorRepository repository = new KvHypervisorRepository(store, view);
        Service s = new Service(store, view, repository, new HypervisorRegistry(repository));
        open.add(s);
        view.start();
        awaitReady(view);
        return s;
    }

    private EtcdKeyValueStore etcd() {
        return new EtcdKeyValueStore(ETCD.server().settings());
    }

    private KvHypervisorRepository direct() {
        EtcdKeyValueStore store = etcd();
        open.add(store);
        return new KvHypervisorRepository(store, null);
    }

    private static void awaitReady(RegistryView view) {
        long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (view.state() != RegistryView.State.READY) {
            assertThat(System.nanoTime()).as("view ready in time").isLessThan(giveUp);
            sleep(10);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private static Map<ConfigKey, String> config(String key, String value) {
        return Map.of(new ConfigKey(key), value);
    }

    @Test
    @DisplayName("PATCH through one service, GET through the other right after: never the old value, for hundreds of rounds")
    void twoServicesNeverStale() {
        Service a = service(etcd());
        Service b = service(etcd());
        Hypervisor h = TestHypervisors.withRandomId().build();
        a.registry().create(TestHypervisors.patchOf(h));
        for (int round = 0; round < 300; round++) {
            String value = "round-" + round;
            Service writer = round % 2 == 0 ? a : b;
            Service reader = round % 2 == 0 ? b : a;
            writer.registry().updateConfig(h.id(), config("k", value), Precondition.NONE);
            assertThat(reader.registry().config(h.id())).as("round %d", round).containsEntry("k", value);
            writer.registry().update(h.id(), TestHypervisors.ipOnly("10.0." + (round / 250) + "." + (round % 250)),
                    Precondition.NONE);
            assertThat(reader.registry().get(h.id()).value().ip().value())
                    .isEqualTo("10.0." + (round / 250) + "." + (round % 250));
        }
    }

    @Test
    @DisplayName("a record, a config key or a guest written straight into etcd is in the very next read of either service")
    void directWritesSeenByBoth() {
        Service a = service(etcd());
        Service b = service(etcd());
        for (int round = 0; round < 50; round++) {
            HypervisorId id = HypervisorId.random();
            ETCD.server().put(LochnessLayout.metadata(id), "{\"id\":\"" + id.value() + "\",\"ip\":\"10.1.1." + round + "\"}");
            assertThat(b.registry().get(id).value().ip().value()).isEqualTo("10.1.1." + round);
            ETCD.server().put(LochnessLayout.configPrefix(id) + "c", "v" + round);
            assertThat(a.registry().config(id)).containsEntry("c", "v" + round);
            ETCD.server().put(LochnessLayout.guest(id, "g" + round), "");
            assertThat(b.registry().guests(id)).containsExactly("g" + round);
            assertThat(a.registry().list()).extracting(Hypervisor::id).contains(id);
            ETCD.server().put("elsewhere/unrelated", "moves etcd's revision only " + round);
            assertThat(a.registry().guests(id)).containsExactly("g" + round);
        }
    }

    @Test
    @DisplayName("etcd killed and restarted under a running service: reads fail or are current, never stale; the view resumes")
    void etcdRestart() {
        Service s = service(etcd());
        Hypervisor h = TestHypervisors.withRandomId().build();
        s.registry().create(TestHypervisors.patchOf(h));
        s.registry().updateConfig(h.id(), config("k", "before"), Precondition.NONE);
        assertThat(s.registry().config(h.id())).containsEntry("k", "before");
        ETCD.server().kill();
        for (int i = 0; i < 5; i++) {
            try {
                s.registry().config(h.id());
                throw new AssertionError("a read with etcd down answered from memory");
            } catch (StoreUnavailableException expected) {
                // 503: the view cannot know it is current without the store
            }
        }
        ETCD.server().start();
        // Changed straight in etcd while the service's watch is still reconnecting.
        ETCD.server().put(LochnessLayout.configPrefix(h.id()) + "k", "after");
        long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try {
                assertThat(s.registry().config(h.id())).containsEntry("k", "after");
                break;
            } catch (StoreUnavailableException e) {
                assertThat(System.nanoTime()).as("service back within 60 s").isLessThan(giveUp);
                sleep(100);
            }
        }
        // ... and then the view follows again: a read is served with no store read.
        ETCD.server().put(LochnessLayout.configPrefix(h.id()) + "k", "later");
        assertThat(s.registry().config(h.id())).containsEntry("k", "later");
        while (s.view().state() != RegistryView.State.READY || s.view().appliedRevision() == 0) {
            assertThat(System.nanoTime()).isLessThan(giveUp);
            sleep(50);
        }
    }

    /** An etcd store whose watches a test can cut, and whose re-watch it can hold back. */
    private static final class Cuttable extends ForwardingKeyValueStore {
        private final List<Runnable> cutters = new ArrayList<>();
        private volatile CountDownLatch hold = new CountDownLatch(0);

        Cuttable(KeyValueStore delegate) {
            super(delegate);
        }

        @Override
        public Watch watch(String prefix, long fromRevision, WatchListener listener) {
            try {
                hold.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            Watch w = delegate.watch(prefix, fromRevision, listener);
            synchronized (cutters) {
                cutters.add(() -> {
                    w.close();
                    listener.onFailure(new StoreUnavailableException("stream cut by the test"));
                });
            }
            return w;
        }

        void cut() {
            synchronized (cutters) {
                cutters.forEach(Runnable::run);
                cutters.clear();
            }
        }
    }

    @Test
    @DisplayName("a watch stream cut mid-way resumes without losing a change; past a compaction the view loads again")
    void cutStreamAndCompaction() {
        Cuttable cuttable = new Cuttable(etcd());
        Service s = service(cuttable);
        KvHypervisorRepository direct = direct();
        Hypervisor h = TestHypervisors.withRandomId().build();
        s.registry().create(TestHypervisors.patchOf(h));

        // Cut: writes made while no stream runs are delivered on resuming.
        cuttable.hold = new CountDownLatch(1);
        cuttable.cut();
        for (int i = 0; i < 20; i++) {
            ETCD.server().put(LochnessLayout.configPrefix(h.id()) + "cut" + i, "v");
        }
        assertThat(s.registry().config(h.id())).hasSize(20); // from the store directly meanwhile
        cuttable.hold.countDown();
        assertThat(s.registry().config(h.id())).hasSize(20);
        long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        long afterCut = currentRevision();
        while (s.view().appliedRevision() < afterCut) {
            assertThat(System.nanoTime()).isLessThan(giveUp);
            sleep(20);
        }
        assertThat(s.repository().find(h.id())).isEqualTo(direct.findLatest(h.id()));

        // Compaction: the view's next revision is compacted away before it can resume.
        cuttable.hold = new CountDownLatch(1);
        cuttable.cut();
        for (int i = 0; i < 5; i++) {
            ETCD.server().put(LochnessLayout.configPrefix(h.id()) + "gone" + i, "v");
        }
        ETCD.server().put("elsewhere/compact-me", "x");
        long now = currentRevision();
        ETCD.server().compact(now);
        cuttable.hold.countDown();
        while (s.view().appliedRevision() < now || s.view().state() != RegistryView.State.READY) {
            assertThat(System.nanoTime()).as("the view loaded again").isLessThan(giveUp);
            sleep(20);
        }
        assertThat(s.registry().config(h.id())).hasSize(25);
        assertThat(s.repository().find(h.id())).isEqualTo(direct.findLatest(h.id()));
    }

    private long currentRevision() {
        try (EtcdKeyValueStore store = etcd()) {
            return store.currentRevision();
        }
    }

    @Test
    @DisplayName("eight writers patching one record 250 times each on etcd: every PATCH succeeds (retries back off with jitter)")
    void eightWritersNoConflict() throws Exception {
        Service s = service(etcd());
        Hypervisor h = TestHypervisors.withRandomId().build();
        s.registry().create(TestHypervisors.patchOf(h));
        java.util.concurrent.atomic.AtomicInteger failures = new java.util.concurrent.atomic.AtomicInteger();
        List<Thread> writers = new ArrayList<>();
        for (int w = 0; w < 8; w++) {
            int writer = w;
            writers.add(Thread.ofVirtual().start(() -> {
                for (int i = 0; i < 250; i++) {
                    try {
                        s.registry().update(h.id(), TestHypervisors.ipOnly("10." + writer + "." + (i / 250) + "." + (i % 250)),
                                Precondition.NONE);
                    } catch (RuntimeException e) {
                        failures.incrementAndGet();
                    }
                }
            }));
        }
        for (Thread t : writers) {
            assertThat(t.join(Duration.ofMinutes(3))).isTrue();
        }
        assertThat(failures).as("PATCHes that failed (409 after the retries, or otherwise)").hasValue(0);
    }

    @Test
    @DisplayName("model check on etcd: after random API writes and direct puts and deletes, the view answers as direct reads")
    void modelCheck() {
        Service s = service(etcd());
        KvHypervisorRepository direct = direct();
        Random random = new Random(7);
        List<HypervisorId> ids = new ArrayList<>();
        for (int step = 0; step < 400; step++) {
            int op = random.nextInt(8);
            HypervisorId id = ids.isEmpty() || op == 0 ? null : ids.get(random.nextInt(ids.size()));
            switch (op) {
                case 0 -> {
                    Hypervisor h = TestHypervisors.withRandomId().build();
                    s.registry().create(TestHypervisors.patchOf(h));
                    ids.add(h.id());
                }
                case 1 -> {
                    HypervisorId fresh = HypervisorId.random();
                    ETCD.server().put(LochnessLayout.metadata(fresh), "{\"id\":\"" + fresh.value() + "\"}");
                    ids.add(fresh);
                }
                case 2 -> { if (id != null) ETCD.server().delete(LochnessLayout.metadata(id)); }
                case 3 -> {
                    if (id != null) {
                        try {
                            s.registry().updateConfig(id, config("k" + random.nextInt(3), "v" + step), Precondition.NONE);
                        } catch (io.lochness.chypervisord.domain.model.HypervisorNotFoundException gone) {
                            // its record was deleted straight in etcd: as the API answers (404)
                        }
                    }
                }
                case 4 -> { if (id != null) ETCD.server().delete(LochnessLayout.configPrefix(id) + "k" + random.nextInt(3)); }
                case 5 -> { if (id != null) ETCD.server().put(LochnessLayout.guest(id, "g" + random.nextInt(2)), ""); }
                case 6 -> { if (id != null) ETCD.server().put(LochnessLayout.heartbeat(id), "x"); }
                default -> { if (id != null) ETCD.server().delete(LochnessLayout.heartbeat(id)); }
            }
            if (step % 20 == 0 || step == 399) {
                assertThat(s.repository().list()).isEqualTo(direct.list());
                for (HypervisorId each : ids) {
                    Optional<StoredHypervisor> fromView = s.repository().find(each);
                    assertThat(fromView).as("%s at step %d", each, step).isEqualTo(direct.findLatest(each));
                }
            }
        }
    }
}
