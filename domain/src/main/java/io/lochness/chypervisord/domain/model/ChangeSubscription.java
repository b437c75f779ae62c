package io.lochness.chypervisord.domain.model;

import java.time.Duration;

/**
 * One consumer's place in the change feed: its events in order, from a bounded buffer. A
 * consumer that lets the buffer fill is cut off ({@link #next} then reports the end), so a slow
 * reader never makes the service hold more; it resumes from the last revision it saw.
 */
public interface ChangeSubscription extends AutoCloseable {

    /**
     * The next event, waiting at most {@code timeout}.
     *
     * @return the event, or null when none came within the timeout
     * @throws Ended when the subscription is over: it fell behind, or the feed is closing
     */
    HypervisorChange next(Duration timeout) throws InterruptedException, Ended;

    /** Leaves the feed; idempotent. */
    @Override
    void close();

    /** The subscription is over; the message says why. */
    final class Ended extends Exception {
        private static final long serialVersionUID = 1L;

        public Ended(String message) {
            super(message, null, false, false);
        }
    }
}
