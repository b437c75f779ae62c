package io.lochness.chypervisord.adapter.out.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FreshReadCoalescerTest {

    /** A "store" whose reads return a counter that writes bump; each read waits for a permit. */
    private final AtomicLong counter = new AtomicLong();
    private final AtomicInteger reads = new AtomicInteger();
    private final AtomicInteger concurrent = new AtomicInteger();
    private final AtomicInteger maxConcurrent = new AtomicInteger();
    private final Semaphore permits = new Semaphore(0);

    private long slowRead() {
        reads.incrementAndGet();
        maxConcurrent.accumulateAndGet(concurrent.incrementAndGet(), Math::max);
        long seen = counter.get();
        permits.acquireUninterruptibly();
        concurrent.decrementAndGet();
        return seen;
    }

    @ParameterizedTest(name = "parallel={0}")
    @ValueSource(ints = {1, 2, 3})
    @DisplayName("every caller gets a read that started after it called, never an older one")
    void neverOlderThanTheCall(int parallel) throws Exception {
        FreshReadCoalescer<Long> coalescer = new FreshReadCoalescer<>(this::slowRead, parallel);
        permits.release(Integer.MAX_VALUE / 2);
        List<Thread> threads = new ArrayList<>();
        AtomicInteger stale = new AtomicInteger();
        for (int t = 0; t < 32; t++) {
            threads.add(Thread.ofVirtual().start(() -> {
                for (int i = 0; i < 300; i++) {
                    long written = counter.incrementAndGet(); // acknowledged before the call
                    if (coalescer.get() < written) {
                        stale.incrementAndGet();
                    }
                }
            }));
        }
        for (Thread t : threads) {
            assertThat(t.join(java.time.Duration.ofSeconds(120))).isTrue();
        }
        assertThat(stale).hasValue(0);
        assertThat(maxConcurrent.get()).isLessThanOrEqualTo(parallel);
    }

    @Test
    @DisplayName("callers that arrive while the reads run share the next one: two reads for nine callers")
    void callersShare() throws Exception {
        FreshReadCoalescer<Long> coalescer = new FreshReadCoalescer<>(this::slowRead, 1);
        List<Thread> threads = new ArrayList<>();
        threads.add(Thread.ofVirtual().start(coalescer::get));
        long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (reads.get() < 1) {
            assertThat(System.nanoTime()).isLessThan(giveUp);
            Thread.sleep(1);
        }
        for (int i = 0; i < 8; i++) {
            threads.add(Thread.ofVirtual().start(coalescer::get));
        }
        while (threads.stream().filter(t -> t.getState() == Thread.State.WAITING).count() < 9) {
            assertThat(System.nanoTime()).isLessThan(giveUp);
            Thread.sleep(2);
        }
        permits.release(2);
        for (Thread t : threads) {
            assertThat(t.join(java.time.Duration.ofSeconds(60))).isTrue();
        }
        assertThat(reads).hasValue(2);
    }

    @Test
    @DisplayName("a failed read fails its own batch only; the next caller reads afresh")
    void failureStaysInItsBatch() {
        AtomicInteger calls = new AtomicInteger();
        FreshReadCoalescer<Integer> coalescer = new FreshReadCoalescer<>(() -> {
            if (calls.incrementAndGet() == 1) {
                throw new IllegalStateException("store down");
            }
            return calls.get();
        }, 2);
        assertThatThrownBy(coalescer::get).isInstanceOf(IllegalStateException.class);
        assertThat(coalescer.get()).isEqualTo(2);
    }

    @Test
    @DisplayName("with two reads allowed, a caller arriving during a read starts the next at once")
    void secondReadStartsWhileTheFirstRuns() throws Exception {
        FreshReadCoalescer<Long> coalescer = new FreshReadCoalescer<>(this::slowRead, 2);
        CountDownLatch done = new CountDownLatch(2);
        Thread.ofVirtual().start(() -> { coalescer.get(); done.countDown(); });
        long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (reads.get() < 1) {
            assertThat(System.nanoTime()).isLessThan(giveUp);
            Thread.sleep(1);
        }
        Thread.ofVirtual().start(() -> { coalescer.get(); done.countDown(); });
        while (reads.get() < 2) {
            assertThat(System.nanoTime()).as("second read started without waiting").isLessThan(giveUp);
            Thread.sleep(1);
        }
        permits.release(2);
        assertThat(done.await(60, TimeUnit.SECONDS)).isTrue();
    }
}
