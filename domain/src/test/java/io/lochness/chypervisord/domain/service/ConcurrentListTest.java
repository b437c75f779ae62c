package io.lochness.chypervisord.domain.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lochness.chypervisord.domain.TestHypervisors;
import io.lochness.chypervisord.domain.model.Hypervisor;
import io.lochness.chypervisord.domain.model.StoreUnavailableException;
import io.lochness.chypervisord.domain.store.InMemoryKeyValueStore;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Concurrent whole-list calls share store reads, and none gets a read that started before it
 * called. Reads are held at a gate so that the interleavings are forced, not hoped for.
 */
class ConcurrentListTest {
    private InMemoryKeyValueStore raw;
    private InterceptingStore store;
    private HypervisorRegistry registry;
    private ExecutorService pool;
    /** Each read waits for one permit; a test hands them out. */
    private final Semaphore gate = new Semaphore(0);
    private final CountDownLatch firstReadStarted = new CountDownLatch(1);

    @BeforeEach
    void setUp() {
        raw = new InMemoryKeyValueStore();
        store = new InterceptingStore(raw);
        registry = new HypervisorRegistry(store);
        pool = Executors.newVirtualThreadPerTaskExecutor();
    }

    @AfterEach
    void tearDown() {
        gate.release(1000);
        pool.shutdownNow();
    }

    /** Creates a hypervisor through a registry of its own on the same store, past the read gate. */
    private Hypervisor create() {
        Hypervisor h = TestHypervisors.builder().id(UUID.randomUUID().toString()).build();
        new HypervisorRegistry(raw).create(TestHypervisors.patchOf(h));
        return h;
    }

    private void holdReads() {
        store.afterRead = () -> {
            firstReadStarted.countDown();
            gate.acquireUninterruptibly();
        };
    }

    private static List<String> ids(List<Hypervisor> list) {
        return list.stream().map(h -> h.id().value()).toList();
    }

    /** Waits until {@code n} callers are parked in the registry (reading or waiting to). */
    private void awaitWaiting(List<Thread> threads, int n) throws InterruptedException {
        long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (threads.stream().filter(t -> t.getState() == Thread.State.WAITING).count() < n) {
            assertThat(System.nanoTime()).as("callers waiting").isLessThan(giveUp);
            Thread.sleep(5);
        }
    }

    @Test
    @DisplayName("callers that arrive while a read runs share the next read: two reads for nine lists")
    void concurrentCallersShareTheNextRead() throws Exception {
        create();
        create();
        store.resetCounts();
        holdReads();
        List<Thread> threads = new ArrayList<>();
        List<List<Hypervisor>> results = java.util.Collections.synchronizedList(new ArrayList<>());
        threads.add(Thread.ofVirtual().start(() -> results.add(registry.list())));
        assertThat(firstReadStarted.await(10, TimeUnit.SECONDS)).isTrue();
        for (int i = 0; i < 8; i++) {
            threads.add(Thread.ofVirtual().start(() -> results.add(registry.list())));
        }
        awaitWaiting(threads, 9);

        gate.release(2); // the running read, then the one the eight waiting callers share
        for (Thread t : threads) {
            assertThat(t.join(java.time.Duration.ofSeconds(10))).isTrue();
        }

        assertThat(store.reads.get()).isEqualTo(2);
        assertThat(results).hasSize(9).allSatisfy(list -> assertThat(list).hasSize(2));
    }

    @Test
    @DisplayName("a list called after a write was acknowledged contains it, although an older read was running")
    void neverOlderThanTheCall() throws Exception {
        Hypervisor first = create();
        holdReads();
        Future<List<Hypervisor>> early = pool.submit(registry::list);
        assertThat(firstReadStarted.await(10, TimeUnit.SECONDS)).isTrue(); // its read is taken, and held

        Hypervisor second = create(); // acknowledged after the early read, before the late call
        Future<List<Hypervisor>> late = pool.submit(registry::list);
        gate.release(2);

        assertThat(ids(early.get(10, TimeUnit.SECONDS))).containsExactly(first.id().value());
        assertThat(ids(late.get(10, TimeUnit.SECONDS)))
                .containsExactlyInAnyOrder(first.id().value(), second.id().value());
        assertThat(store.reads.get()).isEqualTo(2);
    }

    @Test
    @DisplayName("a failed read fails its own batch only; the next caller reads afresh")
    void failureStaysInItsBatch() throws Exception {
        create();
        AtomicBoolean fail = new AtomicBoolean(true);
        store.afterRead = () -> {
            firstReadStarted.countDown();
            gate.acquireUninterruptibly();
            if (fail.getAndSet(false)) {
                throw new StoreUnavailableException("store down");
            }
        };
        Future<List<Hypervisor>> failing = pool.submit(registry::list);
        assertThat(firstReadStarted.await(10, TimeUnit.SECONDS)).isTrue();
        gate.release(1);
        assertThatThrownBy(() -> failing.get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(StoreUnavailableException.class);

        gate.release(1);
        assertThat(registry.list()).hasSize(1);
    }

    @Test
    @DisplayName("the shared list cannot be changed by one caller under the others")
    void sharedListIsImmutable() {
        create();
        List<Hypervisor> list = registry.list();
        assertThatThrownBy(() -> list.add(list.get(0))).isInstanceOf(UnsupportedOperationException.class);
    }
}
