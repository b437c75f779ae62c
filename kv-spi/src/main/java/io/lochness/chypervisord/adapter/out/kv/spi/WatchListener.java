package io.lochness.chypervisord.adapter.out.kv.spi;

import io.lochness.chypervisord.domain.model.StoreUnavailableException;
import java.util.List;

/**
 * What a {@link KeyValueStore#watch watch} tells its owner, one call at a time, in store order.
 */
public interface WatchListener {

    /**
     * Changes under the watched prefix, sorted by revision; every change of each revision they
     * hold is in this one call (a revision is never split across calls).
     */
    void onChanges(List<KeyChange> changes);

    /**
     * The store is at {@code revision} and every change under the prefix up to it has been
     * delivered: the owner may consider itself current up to {@code revision}. Sent when asked
     * for with {@link Watch#requestProgress()} (and whenever else the store offers one).
     */
    void onProgress(long revision);

    /**
     * The watch cannot start or go on: changes from where it is were compacted away (history
     * before {@code compactRevision} is gone). The watch is over; the owner loads again.
     */
    void onCompacted(long compactRevision);

    /**
     * The watch broke (connection lost, store error, client closed). The watch is over; the
     * owner watches again from the revision after the last change or progress it applied.
     */
    void onFailure(StoreUnavailableException cause);
}
