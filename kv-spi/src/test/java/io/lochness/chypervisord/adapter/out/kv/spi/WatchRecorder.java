package io.lochness.chypervisord.adapter.out.kv.spi;

import static org.assertj.core.api.Assertions.assertThat;

import io.lochness.chypervisord.domain.model.StoreUnavailableException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Records what a watch says, in order, for a test thread to wait on: each {@code onChanges} batch
 * as a list, progress, compaction and failure as the records below. Shared by the SPI contract and
 * the store adapters' own watch tests (one listener instead of an anonymous one per test).
 */
public final class WatchRecorder implements WatchListener {
    /** How long {@link #next()} waits: far more than any store takes to say something. */
    public static final Duration WAIT = Duration.ofSeconds(30);

    private final LinkedBlockingQueue<Object> heard = new LinkedBlockingQueue<>();
    private final List<KeyChange> changes = new CopyOnWriteArrayList<>();

    public record Progress(long revision) {}

    public record Compacted(long revision) {}

    public record Failed(StoreUnavailableException cause) {}

    @Override
    public void onChanges(List<KeyChange> batch) {
        changes.addAll(batch);
        heard.add(List.copyOf(batch));
    }

    @Override
    public void onProgress(long revision) {
        heard.add(new Progress(revision));
    }

    @Override
    public void onCompacted(long compactRevision) {
        heard.add(new Compacted(compactRevision));
    }

    @Override
    public void onFailure(StoreUnavailableException cause) {
        heard.add(new Failed(cause));
    }

    /** Every change heard so far, in order (whether or not {@link #next()} took it). */
    public List<KeyChange> changes() {
        return List.copyOf(changes);
    }

    /** The next thing the watch said; fails when it said nothing within {@link #WAIT}. */
    public Object next() throws InterruptedException {
        Object o = heard.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(o).as("the watch said something within " + WAIT).isNotNull();
        return o;
    }

    /** The next thing the watch said within {@code wait}, or null. */
    public Object poll(Duration wait) throws InterruptedException {
        return heard.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The next batch of changes, skipping progress reports; fails on anything else. */
    @SuppressWarnings("unchecked")
    public List<KeyChange> nextChanges() throws InterruptedException {
        while (true) {
            Object o = next();
            if (o instanceof List<?> list) {
                return (List<KeyChange>) list;
            }
            assertThat(o).isInstanceOf(Progress.class);
        }
    }

    /** Changes until a progress report at or past {@code revision}; fails on anything else. */
    @SuppressWarnings("unchecked")
    public List<KeyChange> changesUntilProgress(long revision) throws InterruptedException {
        List<KeyChange> out = new ArrayList<>();
        while (true) {
            Object o = next();
            if (o instanceof List<?> list) {
                out.addAll((List<KeyChange>) list);
            } else if (o instanceof Progress p) {
                if (p.revision() >= revision) {
                    return out;
                }
            } else {
                throw new AssertionError("unexpected " + o);
            }
        }
    }
}
