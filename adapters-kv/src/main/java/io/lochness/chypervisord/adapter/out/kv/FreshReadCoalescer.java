package io.lochness.chypervisord.adapter.out.kv;

import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Lets concurrent callers share one run of an expensive read without ever getting an answer older
 * than their call: callers that arrive while a read is running wait, and then share the next read,
 * which starts after every one of them arrived. At most one read runs at a time.
 *
 * <p>This is for the view's consistency check (KEP-2340's "consistent reads from cache"): every
 * read served from the view first learns the store's current revision, and 32 concurrent GETs
 * share one such call per batch instead of making 32.
 *
 * <p>Fresh, not cached: a caller never receives a read that started before it called, so a write
 * acknowledged before a request is always covered by the revision that request waits for. A failed read fails the callers of
 * its batch only; the next batch reads afresh. Waiting is bounded by the reads themselves: the
 * one running, then the caller's own (each under the store's deadline). The lock is a {@link
 * ReentrantLock}, not a monitor, so waiting virtual threads never pin their carrier on Java 21.
 */
final class FreshReadCoalescer<T> {
    private final Supplier<T> read;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    /** The batch that callers join: not started yet. Null when no caller is waiting. */
    private Batch<T> open;
    private boolean reading;

    private static final class Batch<T> {
        boolean done;
        T value;
        Throwable failure; // a RuntimeException or an Error: read.get() throws nothing else
    }

    FreshReadCoalescer(Supplier<T> read) {
        this.read = read;
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
            while (reading && !batch.done) {
                changed.awaitUninterruptibly();
            }
            if (batch.done) {
                return outcome(batch);
            }
            // No read runs and this batch's has not started: this caller runs it for the batch.
            // Only a batch's runner closes it, so this batch is still the open one.
            reading = true;
            open = null; // callers from now on form the next batch
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
            reading = false;
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
