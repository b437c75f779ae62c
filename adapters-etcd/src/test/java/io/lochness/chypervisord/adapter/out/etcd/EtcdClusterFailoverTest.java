package io.lochness.chypervisord.adapter.out.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.api.MaintenanceGrpc;
import io.etcd.jetcd.api.MoveLeaderRequest;
import io.etcd.jetcd.api.StatusRequest;
import io.etcd.jetcd.api.StatusResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.lochness.chypervisord.adapter.out.kv.spi.KeyValue;
import io.lochness.chypervisord.adapter.out.kv.spi.Page;
import io.lochness.chypervisord.adapter.out.kv.spi.Txn;
import io.lochness.chypervisord.domain.model.StoreUnavailableException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * {@link EtcdKeyValueStore} given all three endpoints of a 3-member etcd cluster: the member it
 * talks to (made the leader first, the hardest case) is killed under a steady stream of reads and
 * writes, and later restarted.
 */
class EtcdClusterFailoverTest {

    private static final int WORKERS = 4;
    private static final Pattern RANGE_CALLS =
            Pattern.compile("grpc_server_started_total\\{grpc_method=\"Range\",grpc_service=\"etcdserverpb.KV\",grpc_type=\"unary\"} (\\d+)");

    /** One call of the stream: when it ended (ns since the start) and whether it failed. */
    record Call(long atNanos, boolean failed, String error) {}

    @Test
    @DisplayName("killing the member the store talks to fails under 1% of calls, none after 5 s, loses no acknowledged write; the member rejoins")
    void failoverUnderLoad() throws Exception {
        try (LocalEtcd cluster = LocalEtcd.start(3, "http", List.of())) {
            LocalEtcd.Member first = cluster.members().get(0);
            makeLeader(cluster, first);
            String prefix = "failover/";
            EtcdSettings settings = EtcdSettings.parse(cluster.address(), Map.of());
            try (EtcdKeyValueStore store = new EtcdKeyValueStore(settings)) {
                long rangesBefore = rangeCalls(first);
                for (int i = 0; i < 20; i++) {
                    store.read(prefix);
                }
                assertThat(rangeCalls(first) - rangesBefore).as("the store talks to the first member").isGreaterThanOrEqualTo(20);

                long start = System.nanoTime();
                ConcurrentLinkedQueue<Call> calls = new ConcurrentLinkedQueue<>();
                Set<String> acknowledged = ConcurrentHashMap.newKeySet();
                AtomicBoolean stop = new AtomicBoolean();
                List<Thread> workers = new ArrayList<>();
                for (int w = 0; w < WORKERS; w++) {
                    int worker = w;
                    workers.add(Thread.ofPlatform().start(() -> {
                        AtomicInteger n = new AtomicInteger();
                        // Bounded: stops when told, or after 100,000 calls.
                        while (!stop.get() && n.get() < 100_000) {
                            int i = n.getAndIncrement();
                            String key = prefix + worker + "/" + i;
                            try {
                                switch (i % 3) {
                                    case 0 -> {
                                        if (store.commit(new Txn(List.of(Txn.KeyAt.absent(key)),
                                                List.of(new Txn.Put(key, "v" + i)))).committed()) {
                                            acknowledged.add(key);
                                        }
                                    }
                                    case 1 -> store.read(prefix + worker + "/" + (i - 1));
                                    default -> store.currentRevision();
                                }
                                calls.add(new Call(System.nanoTime() - start, false, null));
                            } catch (StoreUnavailableException e) {
                                calls.add(new Call(System.nanoTime() - start, true, e.getMessage()));
                            }
                            sleepQuietly(2);
                        }
                    }));
                }
                Thread.sleep(3000);
                long killedAt = System.nanoTime() - start;
                cluster.kill(first);
                Thread.sleep(10_000);
                cluster.restart(first);
                Thread.sleep(3000);
                stop.set(true);
                for (Thread worker : workers) {
                    worker.join(30_000);
                }

                List<Call> all = new ArrayList<>(calls);
                List<Call> failed = all.stream().filter(Call::failed).toList();
                long lateFailures = failed.stream()
                        .filter(c -> c.atNanos() > killedAt + TimeUnit.SECONDS.toNanos(5)).count();
                System.out.printf("failover: %d calls, %d failed (%.3f%%), %d more than 5 s after the kill; first errors: %s%n",
                        all.size(), failed.size(), 100.0 * failed.size() / all.size(), lateFailures,
                        failed.stream().limit(3).map(Call::error).toList());
                assertThat(all.size()).as("calls made").isGreaterThan(1000);
                assertThat(failed.size()).as("failed calls of " + all.size() + ": " + failed.stream().limit(5).map(Call::error).toList())
                        .isLessThan(all.size() / 100);
                assertThat(lateFailures).as("failures more than 5 s after the kill").isZero();
                long servedWhileDown = all.stream().filter(c -> !c.failed()
                        && c.atNanos() > killedAt + TimeUnit.SECONDS.toNanos(1)
                        && c.atNanos() < killedAt + TimeUnit.SECONDS.toNanos(10)).count();
                assertThat(servedWhileDown).as("calls served by the other members while the first was down").isGreaterThan(500);

                // No acknowledged write is lost: in the cluster, and on the member that was killed.
                assertThat(keys(store, prefix)).containsAll(acknowledged);
                try (EtcdKeyValueStore onFirst = new EtcdKeyValueStore(
                        EtcdSettings.parse("etcd://" + first.hostPort(), Map.of()))) {
                    assertThat(keys(onFirst, prefix)).as("the restarted member has every acknowledged write")
                            .containsAll(acknowledged);
                }
                assertThat(cluster.healthy(first)).isTrue();
            }
        }
    }

    private static Set<String> keys(EtcdKeyValueStore store, String prefix) {
        Set<String> keys = new HashSet<>();
        Page page = store.readPage(prefix, null, 0, 1000);
        page.entries().stream().map(KeyValue::key).forEach(keys::add);
        while (page.more()) {
            page = store.readPage(prefix, page.lastKey(), page.revision(), 1000);
            page.entries().stream().map(KeyValue::key).forEach(keys::add);
        }
        return keys;
    }

    /** Moves the cluster's leadership to {@code target} (etcd's MoveLeader, sent to the current leader). */
    private static void makeLeader(LocalEtcd cluster, LocalEtcd.Member target) {
        long targetId = status(target).getHeader().getMemberId();
        for (LocalEtcd.Member m : cluster.members()) {
            StatusResponse status = status(m);
            if (status.getLeader() == status.getHeader().getMemberId()) {
                if (m == target) {
                    return;
                }
                ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", m.clientPort).usePlaintext().build();
                try {
                    MaintenanceGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS)
                            .moveLeader(MoveLeaderRequest.newBuilder().setTargetID(targetId).build());
                } finally {
                    channel.shutdownNow();
                }
                assertThat(status(target).getLeader()).isEqualTo(targetId);
                return;
            }
        }
        throw new AssertionError("no leader in the cluster");
    }

    private static StatusResponse status(LocalEtcd.Member m) {
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", m.clientPort).usePlaintext().build();
        try {
            return MaintenanceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .status(StatusRequest.getDefaultInstance());
        } finally {
            channel.shutdownNow();
        }
    }

    /** How many KV Range calls the member has started, from its Prometheus metrics. */
    private static long rangeCalls(LocalEtcd.Member m) throws IOException, InterruptedException {
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + m.metricsPort + "/metrics"))
                        .timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
        Matcher matcher = RANGE_CALLS.matcher(response.body());
        return matcher.find() ? Long.parseLong(matcher.group(1)) : 0;
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
