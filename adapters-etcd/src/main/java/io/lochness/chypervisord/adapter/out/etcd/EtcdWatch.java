package io.lochness.chypervisord.adapter.out.etcd;

import io.etcd.jetcd.api.Event;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.api.WatchGrpc;
import io.etcd.jetcd.api.WatchProgressRequest;
import io.etcd.jetcd.api.WatchRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.lochness.chypervisord.adapter.out.kv.spi.KeyChange;
import io.lochness.chypervisord.adapter.out.kv.spi.Watch;
import io.lochness.chypervisord.adapter.out.kv.spi.WatchListener;
import io.lochness.chypervisord.domain.model.StoreUnavailableException;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One etcd watch on its own gRPC stream ({@code Watch} RPC of jetcd's generated stubs).
 *
 * <p>Everything the stream says is handed, in order, to one virtual thread of this watch: the
 * listener runs there, one call at a time, never on a gRPC thread; the requests this watch sends
 * after creating the stream (progress requests) are sent from there too, so the stream's state
 * needs no lock. etcd sends all events of one revision in one response (this watch never asks
 * for fragments), and one response becomes one {@link WatchListener#onChanges} call.
 *
 * <p><b>Progress on etcd before 3.4.25 / 3.5.8.</b> etcd bug <a
 * href="https://github.com/etcd-io/etcd/issues/15220">etcd-io/etcd#15220</a>: the answer to a
 * {@code WatchProgressRequest} is queued on the stream's control path and can overtake events
 * already queued for the watch, so a progress report at revision P can arrive before events at or
 * below P. On such servers this watch does not report P at once: it sends a second progress
 * request and reports P only when that one is answered; the events queued before P are then
 * delivered before it in practice (they were queued before the first answer was even sent). The
 * fix is in etcd 3.4.25 / 3.5.8 (and 3.4.31 / 3.5.13 also fix #17507, progress for a stream of
 * several watches); on those versions none of what follows is done ({@code confirmProgress}
 * false), as asked once per store with {@code Maintenance.Status}.
 *
 * <p>The same bug is worse for a watch created from a past revision: until etcd has sent it the
 * changes it missed (its "unsynced" phase, one batch of at most 1,000 revisions every 100 ms),
 * a progress answer names the store's revision with none of those changes sent (measured on
 * 3.4.23: progress at 3,001 with 3,000 changes still to come). So on such servers a watch that
 * started in the past reports no progress until it has evidence that etcd has caught it up: a
 * catch-up batch of fewer than 1,000 revisions, or one whose header revision is its last
 * change's (etcd's {@code syncWatchers} sends exactly those for a watcher's last batch). Until
 * then progress answers are dropped and asked for again once the evidence arrives.
 *
 * <p>A watch whose missed range holds no change under its prefix is caught up silently: etcd
 * sends nothing. For that case the watch opens a <em>probe</em> on the same stream, after itself:
 * a watch of one key under the prefix from that key's last modification, which etcd must answer
 * (with the change, or with its compaction) in one of its catch-up passes. A pass handles every
 * lagging watcher (up to 512 on the server), so when the probe is answered, this watch, created
 * earlier, has been handled too, its batch if any queued before the answer or just behind it
 * (a pass sends its answers in the order of a Go map). Unless this watch's last batch was cut
 * short (then a later pass sends the rest, and only a last batch ends the catching up), progress
 * is then trusted as on a synced watch (confirmed twice); a batch that may have been cut short,
 * arriving after the probe's answer, puts the watch back to waiting for its last batch. With an empty prefix there is no probe, and progress comes after the watch's next
 * change: late, never wrong (the owner's wait times out and reads the store). On a server with
 * more than 512 lagging watchers a pass may skip this watch, and the probe proves less.
 */
final class EtcdWatch implements Watch {
    private static final System.Logger LOG = System.getLogger(EtcdWatch.class.getName());
    /** How a failure that etcd's cancellation of the watch caused begins. */
    static final String CANCELED = "etcd canceled the watch: ";

    private static final WatchRequest PROGRESS =
            WatchRequest.newBuilder().setProgressRequest(WatchProgressRequest.getDefaultInstance()).build();

    private final String prefix;
    private final WatchListener listener;
    private final boolean confirmProgress;
    private final Function<Throwable, StoreUnavailableException> failure;
    private final Consumer<EtcdWatch> onEnd;
    private final ExecutorService serial;
    private volatile boolean closed;
    private final java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(1);
    private volatile ClientCallStreamObserver<WatchRequest> requests;

    // Touched only on the serial thread.
    private boolean ended;
    private boolean outstanding;
    private boolean outstandingForCaller;
    private boolean wanted;
    private long unconfirmed = -1;
    private final long startRevision;
    private boolean caughtUp;
    /**
     * The last batch received was a catch-up batch cut short: etcd has more changes for this
     * watch (it cuts a batch only before a further change under the prefix), so neither the
     * probe's answer nor anything but a last batch may end the catching up.
     */
    private boolean moreToCome;
    private boolean askAgainWhenCaughtUp;
    private final WatchCreateRequest probe;
    private boolean mainCreated;
    private Long probeId;
    private boolean probeDone;

    /**
     * Opens the stream and asks etcd to create the watch.
     *
     * @param probe a watch that etcd must answer in a catch-up pass (see above), or null
     * @param failure turns a stream failure into what {@link WatchListener#onFailure} is told
     * @param onEnd told when the watch ends or is closed (possibly twice)
     */
    EtcdWatch(WatchGrpc.WatchStub stub, WatchCreateRequest create, String prefix, WatchListener listener,
            boolean confirmProgress, WatchCreateRequest probe, Function<Throwable, StoreUnavailableException> failure,
            Consumer<EtcdWatch> onEnd) {
        this.prefix = prefix;
        this.listener = listener;
        this.confirmProgress = confirmProgress;
        this.failure = failure;
        this.onEnd = onEnd;
        this.startRevision = create.getStartRevision();
        this.caughtUp = !confirmProgress || startRevision == 0;
        this.probe = caughtUp ? null : probe;
        this.serial = Executors.newSingleThreadExecutor(Thread.ofVirtual().name("etcd-watch").factory());
        stub.watch(new ClientResponseObserver<WatchRequest, WatchResponse>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<WatchRequest> stream) {
                requests = stream;
            }

            @Override
            public void onNext(WatchResponse response) {
                submit(() -> handle(response));
            }

            @Override
            public void onError(Throwable t) {
                submit(() -> fail(t));
            }

            @Override
            public void onCompleted() {
                submit(() -> fail(Status.UNAVAILABLE.withDescription("etcd ended the watch stream").asRuntimeException()));
            }
        });
        WatchRequest createRequest = WatchRequest.newBuilder().setCreateRequest(create).build();
        submit(() -> requests.onNext(createRequest));
        if (this.probe != null) {
            WatchRequest probeRequest = WatchRequest.newBuilder().setCreateRequest(this.probe).build();
            submit(() -> requests.onNext(probeRequest));
        }
    }

    /**
     * Waits until etcd has created the watch, or it ended, or {@code millis} passed: a change
     * committed after this returns is then reported as a change of its own, not replayed in a
     * catch-up batch together with earlier ones.
     */
    void awaitStarted(long millis) {
        try {
            started.await(millis, java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void requestProgress() {
        submit(() -> {
            if (ended) {
                return;
            }
            if (!caughtUp) {
                askAgainWhenCaughtUp = true;
            } else if (outstanding) {
                wanted = true;
            } else {
                sendProgressRequest(true);
            }
        });
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        // cancel() may be called from any thread; it ends the stream without an onFailure, since
        // every task checks `closed` first.
        requests.cancel("watch closed", null);
        serial.shutdown();
        onEnd.accept(this);
    }

    private void submit(Runnable task) {
        if (closed) {
            return;
        }
        try {
            serial.execute(() -> {
                if (closed) {
                    return;
                }
                try {
                    task.run();
                } catch (RuntimeException e) {
                    // A send on a stream gRPC has already ended: its onError follows and ends the watch.
                    LOG.log(Level.DEBUG, () -> "etcd watch on '" + prefix + "': " + e);
                }
            });
        } catch (RejectedExecutionException e) {
            // Ended or closed: nothing more is told.
        }
    }

    private void handle(WatchResponse response) {
        if (ended) {
            return;
        }
        if (probe != null && mainCreated && response.getCreated()) {
            if (!response.getCanceled()) { // else etcd refused the probe: wait for evidence
                probeId = response.getWatchId();
            }
            return;
        }
        if (probeId != null && response.getWatchId() == probeId) {
            probeAnswered();
            return;
        }
        if (response.getCompactRevision() > 0) {
            end();
            tell(() -> listener.onCompacted(response.getCompactRevision()));
        } else if (response.getCanceled()) {
            end();
            String reason = response.getCancelReason().isEmpty() ? "no reason given" : response.getCancelReason();
            tell(() -> listener.onFailure(failure.apply(
                    Status.UNAVAILABLE.withDescription(CANCELED + reason).asRuntimeException())));
        } else if (response.getCreated()) {
            mainCreated = true;
            started.countDown();
            long created = response.getHeader().getRevision();
            if (startRevision > created) {
                caughtUp(); // starts in the future: nothing to catch up on
            }
            LOG.log(Level.DEBUG, () -> "etcd watch on '" + prefix + "' from " + startRevision
                    + " created at revision " + created + (caughtUp ? "" : ", catching up"));
        } else if (response.getEventsCount() > 0) {
            List<KeyChange> changes = new ArrayList<>(response.getEventsCount());
            for (Event event : response.getEventsList()) {
                String key = event.getKv().getKey().toStringUtf8();
                long revision = event.getKv().getModRevision();
                changes.add(event.getType() == Event.EventType.DELETE
                        ? KeyChange.delete(key, revision)
                        : KeyChange.put(key, event.getKv().getValue().toStringUtf8(), revision));
            }
            tell(() -> listener.onChanges(changes));
            if (confirmProgress) {
                if (!lastCatchUpBatch(response, changes)) {
                    catchingUp(); // more to come, whatever the probe said or will say
                } else {
                    moreToCome = false;
                    if (!caughtUp) {
                        caughtUp();
                    }
                }
            }
        } else {
            progress(response.getHeader().getRevision());
        }
    }

    /** A progress answer (no events, neither created nor canceled) at {@code revision}. */
    private void progress(long revision) {
        if (!outstanding) {
            return; // not asked for by this watch; nothing waits on it
        }
        boolean forCaller = outstandingForCaller;
        outstanding = false;
        if (!caughtUp) {
            // etcd#15220 on a watch still catching up: the answer cannot be trusted.
            if (forCaller || wanted || unconfirmed >= 0) {
                askAgainWhenCaughtUp = true;
            }
            wanted = false;
            unconfirmed = -1;
            return;
        }
        if (!confirmProgress) {
            if (forCaller) {
                tell(() -> listener.onProgress(revision));
            }
        } else {
            // etcd#15220: this answer confirms the previous one; it waits for the next answer.
            if (unconfirmed >= 0) {
                long confirmed = unconfirmed;
                unconfirmed = -1;
                tell(() -> listener.onProgress(confirmed));
            }
            if (forCaller) {
                unconfirmed = revision;
            }
        }
        if (!ended && (wanted || unconfirmed >= 0)) {
            boolean forWanted = wanted;
            wanted = false;
            sendProgressRequest(forWanted);
        }
    }

    /** etcd answered the probe (or its cancel): a catch-up pass has handled this watch too. */
    private void probeAnswered() {
        if (probeDone) {
            return; // later answers, and the cancel's
        }
        probeDone = true;
        requests.onNext(WatchRequest.newBuilder()
                .setCancelRequest(io.etcd.jetcd.api.WatchCancelRequest.newBuilder().setWatchId(probeId))
                .build());
        // The pass that answered the probe handled this watch too; but if the batch it (or an
        // earlier pass) sent this watch was cut short, the rest comes in later passes. Found by
        // EtcdWatchTest on a loaded machine: a cut-short batch, then the probe's answer from the
        // same pass (etcd sends a pass's answers in map order), then progress before the rest.
        if (!caughtUp && !moreToCome) {
            LOG.log(Level.DEBUG, () -> "etcd watch on '" + prefix + "': probe answered, caught up");
            caughtUp();
        }
    }

    /** etcd has sent everything this watch missed: progress answers can be trusted (twice) again. */
    private void caughtUp() {
        caughtUp = true;
        if (askAgainWhenCaughtUp) {
            askAgainWhenCaughtUp = false;
            if (outstanding) {
                wanted = true;
            } else {
                sendProgressRequest(true);
            }
        }
    }

    /**
     * A batch that may have been cut short arrived: etcd has more to send this watch, so progress
     * cannot be trusted until a last batch arrives (the probe's answer may have come first).
     */
    private void catchingUp() {
        if (caughtUp && (unconfirmed >= 0 || wanted || outstanding && outstandingForCaller)) {
            askAgainWhenCaughtUp = true;
        }
        caughtUp = false;
        moreToCome = true;
        unconfirmed = -1;
        wanted = false;
    }

    /**
     * Whether this batch is not a catch-up batch cut short: etcd's {@code syncWatchers} sends at
     * most 1,000 revisions a batch with the store's revision in the header, and moves the watcher
     * to its synced group after a batch that was not cut short; a synced watch's batch carries
     * its own revision in the header.
     */
    private static boolean lastCatchUpBatch(WatchResponse response, List<KeyChange> changes) {
        long last = changes.get(changes.size() - 1).revision();
        if (response.getHeader().getRevision() == last) {
            return true;
        }
        long revisions = changes.stream().mapToLong(KeyChange::revision).distinct().count();
        return revisions < 1000;
    }

    private void sendProgressRequest(boolean forCaller) {
        outstanding = true;
        outstandingForCaller = forCaller;
        requests.onNext(PROGRESS);
    }

    private void fail(Throwable t) {
        if (ended) {
            return;
        }
        end();
        tell(() -> listener.onFailure(failure.apply(t)));
    }

    private void end() {
        ended = true;
        started.countDown();
        requests.cancel("watch ended", null);
        serial.shutdown();
        onEnd.accept(this);
    }

    /** Runs a listener call; a listener that throws is logged, and the watch goes on. */
    private void tell(Runnable call) {
        if (closed) {
            return;
        }
        try {
            call.run();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "etcd watch listener on '" + prefix + "' threw", e);
        }
    }
}
