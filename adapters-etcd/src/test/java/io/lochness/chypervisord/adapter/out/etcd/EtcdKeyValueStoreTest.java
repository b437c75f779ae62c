package io.lochness.chypervisord.adapter.out.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.lochness.chypervisord.domain.model.StoreUnavailableException;
import io.lochness.chypervisord.adapter.out.kv.spi.KeyValue;
import io.lochness.chypervisord.adapter.out.kv.spi.Snapshot;
import io.lochness.chypervisord.adapter.out.kv.spi.Txn;
import io.lochness.chypervisord.adapter.out.kv.spi.TxnResult;
import io.lochness.chypervisord.adapter.out.kv.memory.InMemoryKeyValueStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** etcd-specific behaviour of {@link EtcdKeyValueStore} beyond the store contract, on a real etcd. */
class EtcdKeyValueStoreTest {

    @RegisterExtension
    static final EtcdServerExtension ETCD = new EtcdServerExtension();

    private EtcdKeyValueStore store;
    private String root;

    @BeforeEach
    void openStore() {
        store = new EtcdKeyValueStore(ETCD.server().settings());
        root = "adapter/" + UUID.randomUUID() + "/";
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    private TxnResult write(Txn.Mutation... mutations) {
        return store.commit(new Txn(List.of(), List.of(mutations)));
    }

    @Test
    void commitWithLeasesAttachesALeaseOfTheGivenTtlToThoseKeysOnly() throws Exception {
        String leased = root + "heartbeat";
        String plain = root + "metadata";
        TxnResult result = store.commitWithLeases(
                new Txn(List.of(new Txn.PrefixEmpty(root)), List.of(new Txn.Put(leased, "now"), new Txn.Put(plain, "{}"))),
                java.util.Map.of(leased, 30L));
        assertThat(result.committed()).isTrue();
        assertThat(ETCD.server().get(leased)).contains("now");
        assertThat(ETCD.server().get(plain)).contains("{}");
        var rawKv = io.etcd.jetcd.api.KVGrpc.newBlockingStub(rawChannel);
        long lease = rawKv.withDeadlineAfter(10, java.util.concurrent.TimeUnit.SECONDS).range(
                io.etcd.jetcd.api.RangeRequest.newBuilder().setKey(EtcdKeys.utf8(leased)).build()).getKvs(0).getLease();
        long none = rawKv.withDeadlineAfter(10, java.util.concurrent.TimeUnit.SECONDS).range(
                io.etcd.jetcd.api.RangeRequest.newBuilder().setKey(EtcdKeys.utf8(plain)).build()).getKvs(0).getLease();
        assertThat(lease).isNotZero();
        assertThat(none).isZero();
        long ttl = io.etcd.jetcd.api.LeaseGrpc.newBlockingStub(rawChannel).withDeadlineAfter(10, java.util.concurrent.TimeUnit.SECONDS)
                .leaseTimeToLive(io.etcd.jetcd.api.LeaseTimeToLiveRequest.newBuilder().setID(lease).build()).getTTL();
        assertThat(ttl).isBetween(1L, 30L);

        // Guarded like commit: a failed condition writes nothing.
        TxnResult again = store.commitWithLeases(
                new Txn(List.of(new Txn.PrefixEmpty(root)), List.of(new Txn.Put(leased, "later"))), java.util.Map.of(leased, 30L));
        assertThat(again.committed()).isFalse();
        assertThat(ETCD.server().get(leased)).contains("now");
    }

    private io.grpc.ManagedChannel rawChannel;

    @BeforeEach
    void openRawChannel() {
        java.net.URI endpoint = java.net.URI.create(ETCD.server().endpoint());
        rawChannel = io.grpc.netty.NettyChannelBuilder.forAddress(endpoint.getHost(), endpoint.getPort()).usePlaintext().build();
    }

    @AfterEach
    void closeRawChannel() {
        rawChannel.shutdownNow();
    }

    @Test
    void keysAreStoredExactlyAsGivenWithoutNamespaceOrLeadingSlash() {
        String key = root + "hypervisors/h1/metadata";
        assertThat(write(new Txn.Put(key, "{\"id\":\"h1\"}")).committed()).isTrue();

        assertThat(ETCD.server().get(key)).contains("{\"id\":\"h1\"}");
        assertThat(ETCD.server().get("/" + key)).isEmpty();
    }

    @Test
    void keysWrittenByOtherClientsAreReadWithTheirRevision() {
        ETCD.server().put(root + "raw", "written elsewhere");
        Snapshot snapshot = store.read(root);
        assertThat(snapshot.entries()).extracting(KeyValue::key, KeyValue::value)
                .containsExactly(tuple(root + "raw", "written elsewhere"));
        assertThat(snapshot.revision()).isGreaterThanOrEqualTo(snapshot.entries().get(0).revision());

        write(new Txn.Delete(root + "raw"));
        assertThat(ETCD.server().get(root + "raw")).isEmpty();
    }

    @Test
    void prefixEmptyIsCheckedAtomicallyAgainstAKeyWrittenAfterTheRead() {
        String guests = root + "h/guests/";
        assertThat(store.read(guests).entries()).isEmpty();
        ETCD.server().put(guests + "g1", "");

        TxnResult result =
                store.commit(
                        new Txn(
                                List.of(new Txn.PrefixEmpty(guests)),
                                List.of(new Txn.DeletePrefix(root + "h/"), new Txn.Put(root + "gone", "1"))));

        assertThat(result).isEqualTo(TxnResult.conflict());
        assertThat(ETCD.server().get(guests + "g1")).contains("");
        assertThat(ETCD.server().get(root + "gone")).isEmpty();
    }

    @Test
    void prefixEmptyOnlyLooksUnderItsPrefix() {
        ETCD.server().put(root + "h/guests", "the prefix without its slash");
        ETCD.server().put(root + "h/guests0", "a sibling");
        TxnResult result =
                store.commit(
                        new Txn(List.of(new Txn.PrefixEmpty(root + "h/guests/")), List.of(new Txn.Put(root + "ok", "1"))));
        assertThat(result.committed()).isTrue();
    }

    @Test
    void aTransactionOf128OperationsCommits() {
        List<Txn.Condition> conditions = new ArrayList<>();
        List<Txn.Mutation> puts = new ArrayList<>();
        conditions.add(new Txn.PrefixEmpty(root + "nothing/"));
        for (int i = 0; i < 127; i++) {
            puts.add(new Txn.Put(root + String.format("k%03d", i), "v"));
        }
        assertThat(store.maxTxnOperations()).isEqualTo(128);
        assertThat(store.commit(new Txn(conditions, puts)).committed()).isTrue();

        List<Txn.Mutation> all = new ArrayList<>();
        for (int i = 0; i < 128; i++) {
            all.add(new Txn.Put(root + String.format("k%03d", i), "w"));
        }
        assertThat(store.commit(new Txn(List.of(), all)).committed()).isTrue();
        assertThat(store.read(root).entries()).hasSize(128).extracting(KeyValue::value).containsOnly("w");
    }

    @Test
    void aTransactionOverTheLimitIsRefusedBeforeReachingEtcd() {
        List<Txn.Mutation> puts = new ArrayList<>();
        for (int i = 0; i < 129; i++) {
            puts.add(new Txn.Put(root + i, "v"));
        }
        assertThatThrownBy(() -> store.commit(new Txn(List.of(), puts)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("128");
        assertThat(store.read(root).entries()).isEmpty();
    }

    @Test
    void mutationsTouchingOneKeySeveralTimesApplyInOrderLikeTheReferenceStore() {
        seed("h/metadata", "h/config/a", "h/config/b", "h/configX", "x", "y");
        List<Txn.Mutation> mutations =
                List.of(
                        new Txn.DeletePrefix(root + "h/config/"),
                        new Txn.Put(root + "h/config/b", "new b"),
                        new Txn.Put(root + "h/config/c", "new c"),
                        new Txn.Put(root + "x", "first"),
                        new Txn.Put(root + "x", "second"),
                        new Txn.Put(root + "y", "put then deleted"),
                        new Txn.Delete(root + "y"),
                        new Txn.Delete(root + "z"),
                        new Txn.Put(root + "z", "deleted then put"),
                        new Txn.DeletePrefix(root + "h/metadata"),
                        new Txn.DeletePrefix(root + "h/me"));

        InMemoryKeyValueStore reference = new InMemoryKeyValueStore();
        seed(reference, "h/metadata", "h/config/a", "h/config/b", "h/configX", "x", "y");
        reference.commit(new Txn(List.of(), mutations));

        TxnResult result = store.commit(new Txn(List.of(), mutations));

        assertThat(result.committed()).isTrue();
        assertThat(store.read(root).entries()).extracting(KeyValue::key, KeyValue::value)
                .containsExactlyElementsOf(
                        reference.read(root).entries().stream()
                                .map(kv -> tuple(kv.key(), kv.value()))
                                .toList());
        assertThat(store.read(root).entries())
                .filteredOn(kv -> !kv.value().startsWith("old "))
                .extracting(KeyValue::revision)
                .containsOnly(result.revision());
    }

    @Test
    void anEmptyPrefixReadsTheWholeKeySpace() {
        write(new Txn.Put(root + "a", "1"));
        assertThat(store.read("").entries()).extracting(KeyValue::key).contains(root + "a");
    }

    @Test
    void pingAnswersAndNameIsEtcd() {
        store.ping();
        assertThat(store.name()).isEqualTo("etcd");
        assertThat(store.toString()).contains(String.valueOf(ETCD.server().endpoint().replace("http://", "")));
    }

    private void seed(String... keys) {
        for (String key : keys) {
            ETCD.server().put(root + key, "old " + key);
        }
    }

    private void seed(InMemoryKeyValueStore reference, String... keys) {
        for (String key : keys) {
            reference.commit(new Txn(List.of(), List.of(new Txn.Put(root + key, "old " + key))));
        }
    }

    @Test
    void callsAfterCloseFailAsUnavailable() {
        store.close();
        assertTimeoutPreemptively(
                Duration.ofSeconds(30),
                () -> assertThatThrownBy(() -> store.read(root)).isInstanceOf(
                        StoreUnavailableException.class));
    }
}
