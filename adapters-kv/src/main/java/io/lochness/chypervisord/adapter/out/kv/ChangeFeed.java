package io.lochness.chypervisord.adapter.out.kv;

import io.lochness.chypervisord.domain.model.ChangeSubscription;
import io.lochness.chypervisord.domain.model.HistoryExpiredException;
import io.lochness.chypervisord.domain.model.HypervisorChange;
import io.lochness.chypervisord.domain.model.HypervisorChange.Type;
import io.lochness.chypervisord.domain.model.HypervisorQuery;
import io.lochness.chypervisord.domain.model.StoreUnavailableException;
import io.lochness.chypervisord.domain.model.StoredHypervisor;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The change feed: every watcher fed from the one {@link RegistryView}, through its {@link
 * RegistryView.ChangeListener}, with a bounded history to resume from.
 *
 * <p><b>Changes.</b> The view tells of each key it applies; the feed folds the calls of one store
 * revision into one change per hypervisor (a delete of a hypervisor with its config is one
 * revision and one {@code DELETED}, carrying the state before it), and hands each change to every
 * subscriber on the view's applying thread: a filter match before and after turns it into {@code
 * ADDED}, {@code MODIFIED} or {@code DELETED} for that subscriber, or nothing. Handing over is a
 * non-blocking offer to the subscriber's bounded queue: a subscriber whose queue is full is ended
 * at once (its queue dropped), so a slow reader never holds up the view, reads, writes or other
 * watchers, and never makes the service hold more than its buffer.
 *
 * <p><b>History.</b> The last changes (at least {@code keep} of them, and every one younger than
 * {@code keepFor}, up to {@code keepAtMost}) are kept as references to the view's immutable
 * entries, so a consumer that reconnects with the last revision it saw gets exactly what it
 * missed; a revision older than what is kept is refused ({@link HistoryExpiredException}).
 *
 * <p><b>Resume points.</b> When one revision changes several hypervisors, only the last of its
 * events is a resume point ({@link HypervisorChange#resumable()}): a consumer cut off in the middle resumes
 * from the revision before and gets the whole revision again rather than losing part of it. The
 * initial state's {@code ADDED} events are not resume points either; {@code SYNCED} is.
 */
public final class ChangeFeed implements RegistryView.ChangeListener, AutoCloseable {
    /** At least this many changes are kept for resuming. */
    public static final int KEEP_CHANGES = 10_000;
    /** And at least every change this young. */
    public static final Duration KEEP_FOR = Duration.ofMinutes(5);
    /** But never more than this many (memory: references to entries the view mostly holds anyway). */
    public static final int KEEP_AT_MOST = 100_000;
    /** HypervisorChanges a subscriber may fall behind by before it is cut off. */
    public static final int BUFFER = 4_096;
    /** How long a new subscriber waits for the view to follow the store before it is answered 503. */
    static final Duration READY_WAIT = Duration.ofSeconds(10);

    /** A change of one hypervisor at one revision: its visible state before and after (null: none). */
    private record Change(long revision, StoredHypervisor before, StoredHypervisor after, long atNanos) {}

    private final RegistryView view;
    private final int keep;
    private final long keepForNanos;
    private final int keepAtMost;
    private final int buffer;
    private final LongSupplier nanos;

    // Guarded by this.
    private final ArrayDeque<Change> history = new ArrayDeque<>();
    /** Every change after this revision is in the history; -1 before the view's first load. */
    private long complete = -1;
    private final Map<String, HypervisorEntry[]> pending = new LinkedHashMap<>();
    private long pendingRevision;
    private boolean closed;

    private final Set<Sub> subscribers = ConcurrentHashMap.newKeySet();

    public ChangeFeed(RegistryView view) {
        this(view, KEEP_CHANGES, KEEP_FOR, KEEP_AT_MOST, BUFFER, System::nanoTime);
    }

    public ChangeFeed(RegistryView view, int keep, Duration keepFor, int keepAtMost, int buffer, LongSupplier nanos) {
        this.view = view;
        this.keep = keep;
        this.keepForNanos = keepFor.toNanos();
        this.keepAtMost = Math.max(keep, keepAtMost);
        this.buffer = buffer;
        this.nanos = nanos;
        view.atomically(() -> {
            synchronized (this) {
                // Created after the view's first load: what it holds now is where history begins.
                if (view.loadMillis() >= 0) {
                    complete = view.appliedRevision();
                }
                view.addListener(this);
            }
            return null;
        });
    }

    /** How many consumers are subscribed now. */
    public int subscribers() {
        return subscribers.size();
    }

    /** How many changes are kept for resuming. */
    public synchronized int historySize() {
        return history.size();
    }

    // ---- fed by the view, on its applying thread ----

    @Override
    public synchronized void changed(long revision, HypervisorEntry before, HypervisorEntry after) {
        if (revision != pendingRevision && !pending.isEmpty()) {
            flush();
        }
        pendingRevision = revision;
        HypervisorEntry[] pair = pending.get((before != null ? before : after).id().value());
        if (pair == null) {
            pending.put((before != null ? before : after).id().value(), new HypervisorEntry[] {before, after});
        } else {
            pair[1] = after;
        }
    }

    @Override
    public synchronized void caughtUp(long revision) {
        flush();
        if (complete < 0) {
            complete = revision;
        }
    }

    private void flush() {
        if (pending.isEmpty()) {
            return;
        }
        long now = nanos.getAsLong();
        List<Change> group = new ArrayList<>(pending.size());
        for (HypervisorEntry[] pair : pending.values()) {
            StoredHypervisor before = visible(pair[0]);
            StoredHypervisor after = visible(pair[1]);
            if (before == null && after == null) {
                continue; // keys of no (readable) hypervisor: nothing any watcher sees
            }
            group.add(new Change(pendingRevision, before, after, now));
        }
        pending.clear();
        if (group.isEmpty()) {
            return;
        }
        if (complete < 0) {
            complete = pendingRevision - 1;
        }
        history.addAll(group);
        evict(now);
        for (Sub s : subscribers) {
            s.offer(group);
        }
    }

    private void evict(long now) {
        while (history.size() > keepAtMost
                || (history.size() > keep && now - history.peekFirst().atNanos() > keepForNanos)) {
            Change gone = history.pollFirst();
            // What is kept is complete only after the revision of a change no longer kept.
            complete = Math.max(complete, gone.revision());
        }
    }

    private static StoredHypervisor visible(HypervisorEntry e) {
        return e == null || !e.exists() || e.record() == null ? null : e.toStored();
    }

    // ---- subscribing ----

    /**
     * A new subscriber of the hypervisors {@code query} matches: the current state first (from
     * one consistent read) when {@code since} is empty, else every change after it.
     *
     * @throws HistoryExpiredException when the changes after {@code since} are not all kept
     * @throws StoreUnavailableException when the view cannot serve a consistent state now
     */
    public ChangeSubscription subscribe(HypervisorQuery query, OptionalLong since) {
        // Unlike a read, the feed cannot go to the store instead: wait (bounded) for the view to be
        // following it (loading at start, or resuming a broken watch).
        long giveUp = System.nanoTime() + READY_WAIT.toNanos();
        while (!view.awaitFresh()) {
            if (System.nanoTime() - giveUp > 0) {
                throw new StoreUnavailableException("the change feed's view of the registry is not following the "
                        + "store right now (loading or reconnecting); try again shortly");
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StoreUnavailableException("interrupted while waiting for the registry view");
            }
        }
        return view.atomically(() -> {
            synchronized (this) {
                if (closed) {
                    throw new StoreUnavailableException("the service is shutting down");
                }
                long at = view.appliedRevision();
                Sub sub = new Sub(query);
                if (since.isPresent()) {
                    long from = since.getAsLong();
                    if (complete < 0 || from < complete) {
                        throw new HistoryExpiredException("the changes after revision " + from
                                + " are no longer kept (the feed keeps those after revision " + Math.max(complete, 0)
                                + "); start again without it");
                    }
                    if (from > at) {
                        throw new HistoryExpiredException("revision " + from + " is newer than the registry's ("
                                + at + "); start again without it");
                    }
                    List<Change> missed = new ArrayList<>();
                    for (Iterator<Change> it = history.descendingIterator(); it.hasNext(); ) {
                        Change c = it.next();
                        if (c.revision() <= from) {
                            break;
                        }
                        missed.add(c);
                    }
                    java.util.Collections.reverse(missed);
                    sub.replay(missed);
                } else {
                    sub.initial(view.all(), at);
                }
                subscribers.add(sub);
                return sub;
            }
        });
    }

    /** Ends every subscription (graceful shutdown): each consumer's stream ends after what it has. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        for (Sub s : subscribers) {
            s.end("the service is shutting down");
        }
    }

    /** One consumer: what it gets first (initial state or replay), then its bounded queue. */
    private final class Sub implements ChangeSubscription {
        private final Object end = new Object(); // the queue's end marker
        private final HypervisorQuery query;
        private final ArrayBlockingQueue<Object> queue = new ArrayBlockingQueue<>(buffer + 1);
        private Iterator<HypervisorEntry> initial; // lazily converted: only the page in flight is held
        private long initialRevision;
        private ArrayDeque<HypervisorChange> first = new ArrayDeque<>();
        private volatile String ended;
        private HypervisorChange lastOut;

        Sub(HypervisorQuery query) {
            this.query = query;
        }

        void initial(java.util.Collection<HypervisorEntry> entries, long at) {
            // The view replaces entries whole, so holding its map's values now is the snapshot only
            // if copied: the references (not the records) are copied, in id order.
            List<HypervisorEntry> snapshot = new ArrayList<>();
            for (HypervisorEntry e : entries) {
                if (e.exists() && e.record() != null && query.matches(e.record(), e.subnets().keySet(), e.alive())) {
                    snapshot.add(e);
                }
            }
            initial = snapshot.iterator();
            initialRevision = at;
        }

        void replay(List<Change> missed) {
            List<HypervisorChange> events = events(missed);
            if (events != null) {
                first.addAll(events);
            }
        }

        /** This subscriber's events of one revision's changes, the last one resumable; null when none. */
        private List<HypervisorChange> events(List<Change> changes) {
            List<HypervisorChange> out = null;
            for (int i = 0; i < changes.size(); i++) {
                Change c = changes.get(i);
                boolean was = c.before() != null && query.matches(c.before());
                boolean is = c.after() != null && query.matches(c.after());
                HypervisorChange change;
                if (!was && is) {
                    change = new HypervisorChange(Type.ADDED, c.revision(), c.after(), true);
                } else if (was && is) {
                    change = new HypervisorChange(Type.MODIFIED, c.revision(), c.after(), true);
                } else if (was) {
                    change = new HypervisorChange(Type.DELETED, c.revision(), c.after() != null ? c.after() : c.before(), true);
                } else {
                    continue;
                }
                if (out == null) {
                    out = new ArrayList<>();
                }
                out.add(change);
            }
            if (out != null) {
                // Only the last event this subscriber gets of a revision is a resume point.
                for (int i = 0; i < out.size(); i++) {
                    HypervisorChange e = out.get(i);
                    boolean last = i + 1 == out.size() || out.get(i + 1).revision() != e.revision();
                    out.set(i, new HypervisorChange(e.type(), e.revision(), e.state(), last));
                }
            }
            return out;
        }

        /** On the view's thread: never blocks; a full queue ends this subscriber. */
        void offer(List<Change> group) {
            if (ended != null) {
                return;
            }
            List<HypervisorChange> events = events(group);
            if (events == null) {
                return;
            }
            if (queue.remainingCapacity() <= events.size()) {
                end("the consumer fell more than " + buffer + " events behind; resume from the last event id");
                return;
            }
            queue.addAll(events);
        }

        void end(String why) {
            if (ended == null) {
                ended = why;
            }
            subscribers.remove(this);
            queue.clear();
            queue.offer(end);
        }

        @Override
        public HypervisorChange next(Duration timeout) throws InterruptedException, Ended {
            if (initial != null) {
                if (initial.hasNext()) {
                    return new HypervisorChange(Type.ADDED, initialRevision, initial.next().toStored(), false);
                }
                initial = null;
                return new HypervisorChange(Type.SYNCED, initialRevision, null, true);
            }
            if (first != null) {
                HypervisorChange e = first.pollFirst();
                if (e != null) {
                    return e;
                }
                first = null;
            }
            if (ended != null) {
                throw new Ended(ended);
            }
            Object o = queue.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
            if (o == null) {
                return null;
            }
            if (o == end) {
                throw new Ended(ended);
            }
            return (HypervisorChange) o;
        }

        @Override
        public void close() {
            if (ended == null) {
                ended = "closed";
            }
            subscribers.remove(this);
            queue.clear();
        }
    }
}
