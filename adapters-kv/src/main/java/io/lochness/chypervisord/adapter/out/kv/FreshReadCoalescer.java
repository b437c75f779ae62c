package io.lochness.chypervisord.adapter.out.kv;

import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Lets concurrent callers share runs of an expensive read without ever getting an answer older
 * than their call: callers join the batch that has not started yet, and each batch's read starts
 * after every one of its callers arrived. At most {@code parallel} reads run at a time; a batch
 * starts as soon as fewer are running.
 *
 * <p>This is for the view's consistency check (KEP-2340's "consistent reads from cache"): every
 * read served from the view first learns the store's current revision, and 32 concurrent GETs
 * share one such call per batch instead of making 32. With one read at a time a caller that
 * arrives just after a read started waits for it and then for its own (1.5 round trips on
 * average); with two, the next batch starts at once, which halves that wait at the cost of at
 * most twice the store calls.
 *
 * <p>Fresh, not cached: a caller never receives a read that started before it called, so a write
 * acknowledged before a request is always covered by the revision that request waits for. A
 * failed read fails the callers of its batch only; the next batch reads afresh. The lock is a
 * {@link ReentrantLock}, not a monitor, so waiting virtual threads never pin their carrier on
 * Java 21.
 */
final class FreshReadCoalescer<T> {
    private final Supplier<T> read;
    private final int parallel;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    /** The batch that callers join: not started yet. Null when no caller is waiting. */
    private Batch<T> open;
    private int running;

    private static final class Batch<T> {
        boolean claimed;
        boolean done;
        T value;
        Throwable failure; // a RuntimeException or an Error: read.get() throws nothing else
    }

    FreshReadCoalescer(Supplier<T> read) {
        this(read, 1);
    }

    FreshReadCoalescer(Supplier<T> read, int parallel) {
        if (parallel < 1) {
            throw new IllegalArgumentException("parallel must be positive");
        }
        this.read = read;
        this.parallel = parallel;
    }

    /** The result of a read that started after this call; shared with callers that joined the same batch. */
    T get() {
        Batch<T> batch;
        lock.lock();
        try {
            if (open == null) {
                open = new Batch<>();
            }
            batch = open;
            while ((running >= parallel || batch.claimed) && !batch.done && open == batch) {
                changed.awaitUninterruptibly();
            }
            if (batch.done || open != batch || batch.claimed) {
                // Another caller started this batch's read: wait for it.
                while (!batch.done) {
                    changed.awaitUninterruptibly();
                }
                return outcome(batch);
            }
            // This caller runs the batch's read.
            running++;
            batch.claimed = true;
            open = null; // callers from now on form the next batch
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        T value = null;
        Throwable failure = null;
        try {
            value = read.get();
        } catch (RuntimeException | Error e) {
            failure = e;
        }
        lock.lock();
        try {
            batch.value = value;
            batch.failure = failure;
            batch.done = true;
            running--;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        return outcome(batch);
    }

    private static <T> T outcome(Batch<T> batch) {
        switch (batch.failure) {
            case null -> {
                return batch.value;
            }
            case RuntimeException e -> throw e;
            case Error e -> throw e;
            default -> throw new IllegalStateException(batch.failure);
        }
    }
}
