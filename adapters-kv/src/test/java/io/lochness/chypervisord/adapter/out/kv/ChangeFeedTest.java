package io.lochness.chypervisord.adapter.out.kv;

import static org.assertj.core.api.Assertions.assertThat;

import io.lochness.chypervisord.adapter.out.kv.memory.InMemoryKeyValueStore;
import io.lochness.chypervisord.adapter.out.kv.spi.Txn;
import io.lochness.chypervisord.domain.TestHypervisors;
import io.lochness.chypervisord.domain.model.ChangeSubscription;
import io.lochness.chypervisord.domain.model.Hypervisor;
import io.lochness.chypervisord.domain.model.HypervisorChange;
import io.lochness.chypervisord.domain.model.HypervisorChange.Type;
import io.lochness.chypervisord.domain.model.HypervisorPage;
import io.lochness.chypervisord.domain.model.HypervisorQuery;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The change feed over the view on the in-memory store: folding, resume points, reloads; pages from the view and the store agree. */
class ChangeFeedTest {
    private InMemoryKeyValueStore store;
    private RegistryView view;
    private ChangeFeed feed;
    private KvHypervisorRepository viewed;
    private KvHypervisorRepository direct;

    @BeforeEach
    void setUp() {
        store = new InMemoryKeyValueStore();
        view = new RegistryView(store, 100, Duration.ofSeconds(5));
        feed = new ChangeFeed(view);
        viewed = new KvHypervisorRepository(store, view, feed);
        direct = new KvHypervisorRepository(store, null);
        view.start();
        long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (view.state() != RegistryView.State.READY) {
            assertThat(System.nanoTime()).isLessThan(giveUp);
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000); // not a spin: leave the cores to the view
        }
    }

    @AfterEach
    void tearDown() {
        feed.close();
        view.close();
    }

    private Hypervisor create() {
        Hypervisor h = TestHypervisors.withRandomId().build();
        assertThat(direct.create(h)).isPresent();
        return h;
    }

    private long commit(Txn.Mutation... writes) {
        return store.commit(new Txn(List.of(), List.of(writes))).revision();
    }

    private static HypervisorChange next(ChangeSubscription s) throws Exception {
        HypervisorChange c = s.next(Duration.ofSeconds(30));
        assertThat(c).as("an event within 30 s").isNotNull();
        return c;
    }

    @Test
    @DisplayName("one revision changing two hypervisors: two events, only the last a resume point; resuming before it replays both")
    void revisionGroups() throws Exception {
        Hypervisor a = create();
        Hypervisor b = create();
        long synced;
        try (ChangeSubscription s = viewed.watch(HypervisorQuery.ALL, OptionalLong.empty())) {
            assertThat(next(s).type()).isEqualTo(Type.ADDED);
            assertThat(next(s).resumable()).isFalse();
            HypervisorChange sync = next(s);
            assertThat(sync.type()).isEqualTo(Type.SYNCED);
            assertThat(sync.resumable()).isTrue();
            synced = sync.revision();
            long rev = commit(new Txn.Put(LochnessLayout.heartbeat(a.id()), "1"), new Txn.Put(LochnessLayout.heartbeat(b.id()), "1"));
            HypervisorChange first = next(s);
            HypervisorChange second = next(s);
            assertThat(List.of(first.revision(), second.revision())).containsOnly(rev);
            assertThat(first.resumable()).isFalse();
            assertThat(second.resumable()).isTrue();
            assertThat(first.state().alive()).isTrue();
        }
        try (ChangeSubscription s = viewed.watch(HypervisorQuery.ALL, OptionalLong.of(synced))) {
            assertThat(next(s).type()).isEqualTo(Type.MODIFIED);
            assertThat(next(s).resumable()).isTrue();
            assertThat(s.next(Duration.ofMillis(300))).isNull();
        }
    }

    @Test
    @DisplayName("a delete of a hypervisor with its config is one DELETED carrying the state before it")
    void deleteIsOneEvent() throws Exception {
        Hypervisor a = create();
        commit(new Txn.Put(LochnessLayout.configPrefix(a.id()) + "k", "v"));
        try (ChangeSubscription s = viewed.watch(HypervisorQuery.ALL, OptionalLong.empty())) {
            next(s);
            next(s);
            store.commit(new Txn(List.of(), List.of(new Txn.DeletePrefix(LochnessLayout.prefix(a.id())))));
            HypervisorChange deleted = next(s);
            assertThat(deleted.type()).isEqualTo(Type.DELETED);
            assertThat(deleted.state().configValues()).containsEntry("k", "v");
            assertThat(s.next(Duration.ofMillis(300))).isNull();
        }
    }

    @Test
    @DisplayName("a compaction that makes the view load again still tells the feed what changed")
    void reloadAnnounces() throws Exception {
        Hypervisor a = create();
        try (ChangeSubscription s = viewed.watch(HypervisorQuery.ALL, OptionalLong.empty())) {
            next(s);
            next(s);
            store.breakWatches();
            commit(new Txn.Put(LochnessLayout.configPrefix(a.id()) + "k", "v"));
            store.compact(store.currentRevision());
            HypervisorChange changed = next(s);
            assertThat(changed.type()).isEqualTo(Type.MODIFIED);
            assertThat(changed.state().configValues()).containsEntry("k", "v");
        }
    }

    @Test
    @DisplayName("pages from the view and from the store are the same, filtered, and cover all exactly once")
    void pagesAgree() {
        Random random = new Random(7);
        for (int i = 0; i < 60; i++) {
            Hypervisor h = TestHypervisors.withRandomId().build();
            h = new Hypervisor(h.id(), Map.of("rack", "r" + random.nextInt(3)), h.ip(), h.netmask(), h.gateway(), h.mac(),
                    h.totalResources(), h.availableResources());
            assertThat(direct.create(h)).isPresent();
            if (random.nextBoolean()) {
                commit(new Txn.Put(LochnessLayout.heartbeat(h.id()), "1"));
            }
        }
        for (String filter : List.of("", "metadata.rack=r1", "alive=true")) {
            List<Map.Entry<String, String>> params = new ArrayList<>();
            if (!filter.isEmpty()) {
                params.add(Map.entry(filter.split("=")[0], filter.split("=")[1]));
            }
            List<String> all = direct.list(HypervisorQuery.parse(params)).items().stream().map(h -> h.id().value()).toList();
            assertThat(all).isSorted();
            for (KvHypervisorRepository repo : List.of(viewed, direct)) {
                List<String> paged = new ArrayList<>();
                String after = null;
                while (true) {
                    List<Map.Entry<String, String>> p = new ArrayList<>(params);
                    p.add(Map.entry("limit", "7"));
                    if (after != null) {
                        p.add(Map.entry("after", after));
                    }
                    HypervisorPage page = repo.list(HypervisorQuery.parse(p));
                    assertThat(page.items().size()).isLessThanOrEqualTo(7);
                    page.items().forEach(h -> paged.add(h.id().value()));
                    if (!page.more()) {
                        break;
                    }
                    after = page.last().value();
                }
                assertThat(paged).as(filter).containsExactlyElementsOf(all);
            }
        }
    }
}
