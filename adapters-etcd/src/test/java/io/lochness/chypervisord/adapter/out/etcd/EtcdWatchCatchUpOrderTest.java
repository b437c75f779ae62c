package io.lochness.chypervisord.adapter.out.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.Event;
import io.etcd.jetcd.api.KeyValue;
import io.etcd.jetcd.api.ResponseHeader;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.api.WatchGrpc;
import io.etcd.jetcd.api.WatchRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.lochness.chypervisord.adapter.out.kv.spi.KeyChange;
import io.lochness.chypervisord.adapter.out.kv.spi.WatchListener;
import io.lochness.chypervisord.domain.model.StoreUnavailableException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The order in which etcd 3.4.23 may answer a watch that starts in the past, played by a scripted
 * Watch server so that it happens every time: the orders a real etcd produces only now and then
 * (EtcdWatchTest met this one on a loaded machine). One catch-up pass of etcd's {@code
 * syncWatchers} sends each lagging watcher its batch in the order of a Go map, so the probe's
 * answer can follow this watch's first batch, cut short at 1,000 revisions, while the rest of the
 * changes come in the next pass, 100 ms later; progress answers meanwhile name the store's
 * revision (etcd#15220).
 */
class EtcdWatchCatchUpOrderTest {
    private static final String PREFIX = "lochness/hypervisors/";
    private static final long STORE_REVISION = 5_000;
    private static final long MAIN_ID = 7;
    private static final long PROBE_ID = 8;

    /** What the server received, in order; the test answers. */
    private final LinkedBlockingQueue<WatchRequest> received = new LinkedBlockingQueue<>();
    private volatile StreamObserver<WatchResponse> toClient;
    private Server server;
    private ManagedChannel channel;

    @BeforeEach
    void startServer() throws Exception {
        server = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .addService(new WatchGrpc.WatchImplBase() {
                    @Override
                    public StreamObserver<WatchRequest> watch(StreamObserver<WatchResponse> responses) {
                        toClient = responses;
                        return new StreamObserver<>() {
                            @Override
                            public void onNext(WatchRequest request) {
                                received.add(request);
                            }

                            @Override
                            public void onError(Throwable t) {}

                            @Override
                            public void onCompleted() {}
                        };
                    }
                })
                .build()
                .start();
        channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
    }

    @AfterEach
    void stop() throws Exception {
        channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }

    static final class Recorder implements WatchListener {
        final AtomicLong lastChange = new AtomicLong();
        final List<String> violations = new CopyOnWriteArrayList<>();
        final LinkedBlockingQueue<Long> progress = new LinkedBlockingQueue<>();

        @Override
        public void onChanges(List<KeyChange> changes) {
            lastChange.set(changes.get(changes.size() - 1).revision());
        }

        @Override
        public void onProgress(long revision) {
            progress.add(revision);
        }

        @Override
        public void onCompacted(long compactRevision) {
            violations.add("compacted at " + compactRevision);
        }

        @Override
        public void onFailure(StoreUnavailableException cause) {
            violations.add("failed: " + cause.getMessage());
        }
    }

    @Test
    @DisplayName("a cut-short catch-up batch, then the probe's answer from the same pass: no progress until the rest has come")
    void probeAnswerAfterACutShortBatch_waitsForTheLastBatch() throws Exception {
        Recorder recorder = new Recorder();
        WatchCreateRequest create = WatchCreateRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8(PREFIX))
                .setRangeEnd(ByteString.copyFromUtf8("lochness/hypervisors0"))
                .setStartRevision(1_001)
                .build();
        WatchCreateRequest probe = WatchCreateRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8(PREFIX + "probe"))
                .setStartRevision(4_990)
                .build();
        EtcdWatch watch = new EtcdWatch(WatchGrpc.newStub(channel), create, PREFIX, recorder, true, probe,
                t -> new StoreUnavailableException("watch: " + t.getMessage()), w -> {});
        try {
            assertThat(next().getCreateRequest().getStartRevision()).isEqualTo(1_001);
            send(WatchResponse.newBuilder().setHeader(header()).setWatchId(MAIN_ID).setCreated(true).build());
            assertThat(next().getCreateRequest().getKey().toStringUtf8()).isEqualTo(PREFIX + "probe");
            send(WatchResponse.newBuilder().setHeader(header()).setWatchId(PROBE_ID).setCreated(true).build());

            // The caller wants progress while the watch is still catching up.
            watch.requestProgress();
            // Pass one: this watch's first 1,000 revisions (cut short: more changes follow), then
            // the probe's answer.
            send(batch(1_001, 2_000));
            send(WatchResponse.newBuilder().setHeader(header()).setWatchId(PROBE_ID)
                    .addEvents(event(PREFIX + "probe", 4_990)).build());
            // Whatever progress requests come now are answered at the store's revision, ahead of
            // the changes 2,001 to 2,500 that the next pass will send (etcd#15220).
            long quiet = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(700);
            while (System.nanoTime() < quiet) {
                WatchRequest request = received.poll(50, TimeUnit.MILLISECONDS);
                if (request != null && request.hasProgressRequest()) {
                    send(progressAnswer());
                }
            }
            assertThat(recorder.progress).as("progress told while 500 changes were still to come").isEmpty();

            // Pass two: the rest, a last batch of 500 revisions.
            send(batch(2_001, 2_500));
            long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            Long told = null;
            while (told == null) {
                assertThat(System.nanoTime()).as("progress told after the last batch").isLessThan(giveUp);
                WatchRequest request = received.poll(50, TimeUnit.MILLISECONDS);
                if (request != null && request.hasProgressRequest()) {
                    send(progressAnswer());
                }
                told = recorder.progress.poll();
            }
            assertThat(told).isEqualTo(STORE_REVISION);
            assertThat(recorder.lastChange).hasValue(2_500);
            assertThat(recorder.violations).isEmpty();
        } finally {
            watch.close();
        }
    }

    private WatchRequest next() throws InterruptedException {
        WatchRequest request = received.poll(30, TimeUnit.SECONDS);
        assertThat(request).as("a request from the watch").isNotNull();
        return request;
    }

    private synchronized void send(WatchResponse response) {
        toClient.onNext(response);
    }

    private static ResponseHeader header() {
        return ResponseHeader.newBuilder().setRevision(STORE_REVISION).build();
    }

    private static WatchResponse progressAnswer() {
        return WatchResponse.newBuilder().setHeader(header()).setWatchId(-1).build();
    }

    /** One change per revision from {@code first} to {@code last}, as a catch-up pass sends them. */
    private static WatchResponse batch(long first, long last) {
        WatchResponse.Builder b = WatchResponse.newBuilder().setHeader(header()).setWatchId(MAIN_ID);
        for (long r = first; r <= last; r++) {
            b.addEvents(event(PREFIX + "h" + (r % 100) + "/metadata", r));
        }
        return b.build();
    }

    private static Event event(String key, long revision) {
        return Event.newBuilder()
                .setType(Event.EventType.PUT)
                .setKv(KeyValue.newBuilder()
                        .setKey(ByteString.copyFromUtf8(key))
                        .setValue(ByteString.copyFromUtf8("{}"))
                        .setModRevision(revision)
                        .setCreateRevision(revision))
                .build();
    }
}
