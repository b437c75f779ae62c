package io.lochness.chypervisord.adapter.out.kv.spi;

/** A running {@link KeyValueStore#watch watch}. */
public interface Watch extends AutoCloseable {

    /**
     * Asks the store for a {@link WatchListener#onProgress progress} report: soon after, unless
     * the watch ends first, the listener learns a revision that the watch has delivered every
     * change up to, at least as new as the store's revision when this was called. Asking again
     * before the answer arrives may be answered once.
     */
    void requestProgress();

    /** Ends the watch; the listener hears nothing more. Idempotent. */
    @Override
    void close();
}
