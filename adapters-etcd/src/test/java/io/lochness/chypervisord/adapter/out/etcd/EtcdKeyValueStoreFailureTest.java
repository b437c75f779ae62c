package io.lochness.chypervisord.adapter.out.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.lochness.chypervisord.domain.model.StoreUnavailableException;
import io.lochness.chypervisord.adapter.out.kv.spi.KeyChange;
import io.lochness.chypervisord.adapter.out.kv.spi.KeyValue;
import io.lochness.chypervisord.adapter.out.kv.spi.Txn;
import io.lochness.chypervisord.adapter.out.kv.spi.Watch;
import io.lochness.chypervisord.adapter.out.kv.spi.WatchListener;
import io.lochness.chypervisord.adapter.out.kv.spi.WatchRecorder;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** How {@link EtcdKeyValueStore} behaves when etcd is down, silent or comes back. */
class EtcdKeyValueStoreFailureTest {

    /**
     * Generous bound proving a call does not hang; not a timing assertion. Under the 60 s deadline
     * of the interrupt test, so that only the interrupt can end that call in time.
     */
    private static final Duration NO_HANG = Duration.ofSeconds(30);

    /**
     * The deadline of the stores on the real etcd: short enough that a call while etcd is down
     * fails well within {@link #NO_HANG}, long enough for a first commit on a just restarted etcd
     * fsyncing on a busy disk (1 s was not always).
     */
    private static final Duration CALL_DEADLINE = Duration.ofSeconds(5);

    @RegisterExtension
    static final EtcdServerExtension ETCD = new EtcdServerExtension();

    private static EtcdSettings settingsFor(int port, Duration deadline) {
        return EtcdSettings.of(List.of(URI.create("http://127.0.0.1:" + port))).withDeadline(deadline);
    }

    @Test
    void aStoreOnAClosedPortThrowsStoreUnavailableInsteadOfHanging() throws IOException {
        int closed;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = socket.getLocalPort();
        }
        try (EtcdKeyValueStore store = new EtcdKeyValueStore(settingsFor(closed, Duration.ofSeconds(1)))) {
            assertTimeoutPreemptively(
                    NO_HANG,
                    () -> {
                        assertThatThrownBy(() -> store.read("a/")).isInstanceOf(StoreUnavailableException.class);
                        assertThatThrownBy(() -> store.ping()).isInstanceOf(StoreUnavailableException.class);
                        assertThatThrownBy(
                                        () -> store.commit(new Txn(List.of(), List.of(new Txn.Put("a/b", "c")))))
                                .isInstanceOf(StoreUnavailableException.class)
                                .hasMessageContaining("127.0.0.1:" + closed);
                    });
        }
    }

    @Test
    void aServerThatAcceptsButNeverAnswersHitsTheDeadline() throws Exception {
        try (Blackhole blackhole = new Blackhole();
                EtcdKeyValueStore store =
                        new EtcdKeyValueStore(settingsFor(blackhole.port(), Duration.ofMillis(500)))) {
            assertTimeoutPreemptively(
                    NO_HANG,
                    () -> assertThatThrownBy(() -> store.read("a/")).isInstanceOf(StoreUnavailableException.class));
        }
    }

    @Test
    void anInterruptedCallThrowsStoreUnavailableAndKeepsTheInterruptFlag() throws Exception {
        try (Blackhole blackhole = new Blackhole();
                EtcdKeyValueStore store =
                        new EtcdKeyValueStore(settingsFor(blackhole.port(), Duration.ofSeconds(60)))) {
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            AtomicBoolean interruptedAfter = new AtomicBoolean();
            CountDownLatch calling = new CountDownLatch(1);
            Thread caller =
                    new Thread(
                            () -> {
                                calling.countDown();
                                try {
                                    store.read("a/");
                                } catch (Throwable t) {
                                    thrown.set(t);
                                }
                                interruptedAfter.set(Thread.currentThread().isInterrupted());
                            });
            caller.start();
            calling.await();
            Thread.sleep(200);
            caller.interrupt();
            caller.join(NO_HANG.toMillis());

            assertThat(caller.isAlive()).isFalse();
            assertThat(thrown.get()).isInstanceOf(StoreUnavailableException.class);
            assertThat(interruptedAfter).isTrue();
        }
    }

    @Test
    void aCallOnAnAlreadyInterruptedThreadFailsAndKeepsTheFlag() {
        try (EtcdKeyValueStore store = new EtcdKeyValueStore(ETCD.server().settings())) {
            Thread.currentThread().interrupt();
            try {
                assertThatThrownBy(() -> store.read("a/")).isInstanceOf(StoreUnavailableException.class);
                assertThat(Thread.currentThread().isInterrupted()).isTrue();
            } finally {
                Thread.interrupted();
            }
        }
    }

    @Test
    void aStoreCreatedWhileEtcdIsDownWorksOnceEtcdIsBackAndDataSurvives() {
        EtcdServer server = ETCD.server();
        String root = "restart/" + UUID.randomUUID() + "/";
        server.put(root + "before", "kept");

        server.kill();
        assertThat(server.isRunning()).isFalse();
        try (EtcdKeyValueStore store =
                new EtcdKeyValueStore(server.settings().withDeadline(CALL_DEADLINE))) {
            assertTimeoutPreemptively(
                    NO_HANG,
                    () -> assertThatThrownBy(() -> store.read(root)).isInstanceOf(StoreUnavailableException.class));

            server.start();
            assertThat(server.isRunning()).isTrue();

            List<KeyValue> entries = eventually(() -> store.read(root).entries());
            assertThat(entries).extracting(KeyValue::key, KeyValue::value)
                    .containsExactly(tuple(root + "before", "kept"));
            assertThat(store.commit(new Txn(List.of(Txn.KeyAt.absent(root + "after")),
                            List.of(new Txn.Put(root + "after", "1")))).committed())
                    .isTrue();
        }
    }

    @Test
    void aStoreThatWorkedKeepsWorkingAcrossAnEtcdRestart() {
        EtcdServer server = ETCD.server();
        String root = "restart/" + UUID.randomUUID() + "/";
        try (EtcdKeyValueStore store =
                new EtcdKeyValueStore(server.settings().withDeadline(CALL_DEADLINE))) {
            store.commit(new Txn(List.of(), List.of(new Txn.Put(root + "a", "1"))));
            server.kill();
            assertTimeoutPreemptively(
                    NO_HANG,
                    () -> assertThatThrownBy(() -> store.ping()).isInstanceOf(StoreUnavailableException.class));
            server.start();
            List<KeyValue> entries = eventually(() -> store.read(root).entries());
            assertThat(entries).extracting(KeyValue::value).containsExactly("1");
        }
    }

    @Test
    void aWatchCutByAnEtcdKillFailsExactlyOnceAndANewWatchResumesAfterTheRestart() throws Exception {
        EtcdServer server = ETCD.server();
        String root = "watch-cut/" + UUID.randomUUID() + "/";
        List<Object> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
        CountDownLatch failed = new CountDownLatch(1);
        WatchListener listener = new WatchListener() {
            @Override
            public void onChanges(List<KeyChange> changes) {
                heard.addAll(changes);
            }

            @Override
            public void onProgress(long revision) {}

            @Override
            public void onCompacted(long compactRevision) {
                heard.add("compacted " + compactRevision);
            }

            @Override
            public void onFailure(StoreUnavailableException cause) {
                heard.add(cause);
                failed.countDown();
            }
        };
        try (EtcdKeyValueStore store = new EtcdKeyValueStore(server.settings().withDeadline(CALL_DEADLINE))) {
            Watch watch = store.watch(root, store.currentRevision() + 1, listener);
            long first = store.commit(new Txn(List.of(), List.of(new Txn.Put(root + "a", "1")))).revision();
            long giveUp = System.nanoTime() + NO_HANG.toNanos();
            while (heard.isEmpty() && System.nanoTime() < giveUp) {
                Thread.sleep(20);
            }
            assertThat(heard).containsExactly(KeyChange.put(root + "a", "1", first));

            server.kill();
            assertThat(failed.await(NO_HANG.toSeconds(), java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            server.start();
            server.put(root + "b", "written after the restart");
            Thread.sleep(1000);
            assertThat(heard).hasSize(2);
            assertThat(heard.get(1)).isInstanceOf(StoreUnavailableException.class)
                    .asString().contains("watch " + root);
            watch.close();

            WatchRecorder resumed = new WatchRecorder();
            Watch again = eventually(() -> store.watch(root, first + 1, resumed));
            try (again) {
                assertThat(resumed.nextChanges()).extracting(KeyChange::key, KeyChange::value)
                        .containsExactly(tuple(root + "b", "written after the restart"));
            }
        }
    }

    @Test
    void aWatchStartedWhileEtcdIsDownReturnsAndFailsOnce() throws Exception {
        EtcdServer server = ETCD.server();
        server.kill();
        List<StoreUnavailableException> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        CountDownLatch failed = new CountDownLatch(1);
        try (EtcdKeyValueStore store = new EtcdKeyValueStore(server.settings().withDeadline(CALL_DEADLINE))) {
            Watch watch = assertTimeoutPreemptively(NO_HANG, () -> store.watch("down/", 5, new WatchListener() {
                @Override
                public void onChanges(List<KeyChange> changes) {}

                @Override
                public void onProgress(long revision) {}

                @Override
                public void onCompacted(long compactRevision) {}

                @Override
                public void onFailure(StoreUnavailableException cause) {
                    failures.add(cause);
                    failed.countDown();
                }
            }));
            assertThat(failed.await(NO_HANG.toSeconds(), java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            Thread.sleep(500);
            assertThat(failures).hasSize(1);
            assertThat(failures.get(0)).hasMessageContaining("watch down/").hasMessageNotContaining("\n");
            watch.close();
        } finally {
            server.start();
        }
    }

    @Test
    void theAddressFactoryBuildsAWorkingStore() {
        try (EtcdKeyValueStore store = EtcdKeyValueStore.forAddress(ETCD.server().kvAddress(), Map.of())) {
            store.ping();
            assertThat(store.settings().endpoints()).containsExactly(URI.create(ETCD.server().endpoint()));
        }
    }

    /** Retries {@code call} for a bounded time while the store reconnects. */
    private static <T> T eventually(Supplier<T> call) {
        long giveUp = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        List<StoreUnavailableException> failures = new ArrayList<>();
        while (true) {
            try {
                return call.get();
            } catch (StoreUnavailableException e) {
                failures.add(e);
                if (System.nanoTime() > giveUp) {
                    throw new AssertionError("store did not recover; " + failures.size() + " failures", e);
                }
                EtcdServer.sleep(200);
            }
        }
    }

    /** A TCP server that accepts connections and never answers: a partitioned etcd. */
    private static final class Blackhole implements AutoCloseable {
        private final ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        private final List<Socket> accepted = new ArrayList<>();
        private final Thread acceptor;

        Blackhole() throws IOException {
            acceptor =
                    new Thread(
                            () -> {
                                while (!socket.isClosed()) {
                                    try {
                                        Socket s = socket.accept();
                                        synchronized (accepted) {
                                            accepted.add(s);
                                        }
                                    } catch (IOException e) {
                                        return;
                                    }
                                }
                            },
                            "blackhole");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return socket.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            socket.close();
            synchronized (accepted) {
                for (Socket s : accepted) {
                    s.close();
                }
            }
        }
    }
}
