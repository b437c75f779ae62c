package io.lochness.chypervisord.adapter.out.kv.spi;

import io.lochness.chypervisord.domain.model.StoreUnavailableException;

/**
 * A read at a revision older than the history the store keeps: the caller starts again at the
 * current revision. (A kind of store unavailability to anyone who does not handle it.)
 */
public final class CompactedException extends StoreUnavailableException {
    private final long compactRevision;

    public CompactedException(String message, long compactRevision) {
        super(message);
        this.compactRevision = compactRevision;
    }

    /** The oldest revision the store can still read at (0 when it does not say). */
    public long compactRevision() {
        return compactRevision;
    }
}
