package io.lochness.chypervisord.adapter.out.consul;

import static org.assertj.core.api.Assertions.assertThat;

import io.lochness.chypervisord.adapter.out.kv.spi.KeyValue;
import io.lochness.chypervisord.adapter.out.kv.spi.KeyValueStore;
import io.lochness.chypervisord.adapter.out.kv.spi.KeyValueStoreContract;
import io.lochness.chypervisord.adapter.out.kv.spi.Txn;
import io.lochness.chypervisord.adapter.out.kv.spi.TxnResult;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import okhttp3.mockwebserver.MockWebServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The SPI contract, run against {@link ConsulEmulator}: an in-process EMULATOR of Consul's KV and
 * transaction API (not a Consul server), plus the {@code PrefixEmpty} guard's behaviour, including
 * the documented window the guard cannot close on Consul. The compaction tests are skipped
 * (Consul has no compaction; it cannot read at any past index), and so is the replay of a watch
 * from a revision the adapter never saw ({@link ConsulCannotReplay}).
 */
@ExtendWith(ConsulCannotReplay.class)
class ConsulKeyValueStoreEmulatedContractTest extends KeyValueStoreContract {

    private static MockWebServer server;
    private static ConsulEmulator emulator;

    @BeforeAll
    static void startEmulator() throws IOException {
        emulator = new ConsulEmulator();
        server = new MockWebServer();
        server.setDispatcher(emulator);
        server.start();
    }

    @AfterAll
    static void stopEmulator() throws IOException {
        emulator.close();
        server.shutdown();
    }

    @Override
    protected KeyValueStore createStore() {
        URI endpoint = URI.create("http://" + server.getHostName() + ":" + server.getPort());
        // A per-call deadline no loaded machine reaches (no test here times a call); blocking
        // queries of 5 s, so that a watch reports progress often.
        return new ConsulKeyValueStore(
                new ConsulSettings(endpoint, null, null), Duration.ofSeconds(30), Duration.ofSeconds(5));
    }

    @Override
    protected void compact(long revision) {
        Assumptions.abort("Consul has no compaction: it cannot read at a past index at all");
    }

    private Txn deleteHypervisorIfNoGuests(String hypervisor) {
        return new Txn(
                List.of(new Txn.PrefixEmpty(hypervisor + "guests/")),
                List.of(new Txn.DeletePrefix(hypervisor)));
    }

    @Test
    @DisplayName("guard: a key under the prefix at guard-read time is a conflict and no txn is sent")
    void guardReadSeesKeyAndSendsNoTxn() {
        String h = root + "h/";
        emulator.put(h + "metadata", "{}");
        emulator.put(h + "guests/g1", "");
        int txnsBefore = emulator.txnCount();

        TxnResult result = store.commit(deleteHypervisorIfNoGuests(h));

        assertThat(result).isEqualTo(TxnResult.conflict());
        assertThat(emulator.txnCount()).isEqualTo(txnsBefore);
        assertThat(store.read(h).entries()).extracting(KeyValue::key).contains(h + "guests/g1");
    }

    @Test
    @DisplayName("guard: an empty prefix lets the delete commit")
    void guardOnEmptyPrefixCommits() {
        String h = root + "h/";
        emulator.put(h + "metadata", "{}");

        assertThat(store.commit(deleteHypervisorIfNoGuests(h)).committed()).isTrue();
        assertThat(store.read(h).entries()).isEmpty();
    }

    @Test
    @DisplayName("guard window (documented): a key created between guard read and txn is not caught")
    void keyCreatedInsideTheWindowIsNotCaught() {
        String h = root + "h/";
        emulator.put(h + "metadata", "{}");
        emulator.beforeNextTxn(() -> emulator.put(h + "guests/late", ""));

        TxnResult result = store.commit(deleteHypervisorIfNoGuests(h));

        // Consul offers no prefix guard inside /v1/txn: the late guest is deleted with its
        // hypervisor. The adapter's get-tree witness sees it and logs a WARNING.
        assertThat(result.committed()).isTrue();
        assertThat(store.read(h).entries()).isEmpty();
    }

    @Test
    @DisplayName("guard without writes is exact: a key present when the txn runs is a conflict")
    void conditionOnlyGuardIsExact() {
        String h = root + "h/";
        emulator.beforeNextTxn(() -> emulator.put(h + "guests/late", ""));

        TxnResult result =
                store.commit(new Txn(List.of(new Txn.PrefixEmpty(h + "guests/")), List.of()));

        assertThat(result).isEqualTo(TxnResult.conflict());
    }

    @Test
    @DisplayName("a failed guard also fails a txn whose other conditions hold")
    void guardCombinesWithKeyConditions() {
        String h = root + "h/";
        long metadata =
                store.commit(new Txn(List.of(), List.of(new Txn.Put(h + "metadata", "{}")))).revision();
        Txn txn =
                new Txn(
                        List.of(new Txn.KeyAt(h + "metadata", metadata), new Txn.PrefixEmpty(h + "guests/")),
                        List.of(new Txn.DeletePrefix(h)));
        emulator.put(h + "guests/g1", "");

        assertThat(store.commit(txn)).isEqualTo(TxnResult.conflict());

        store.commit(new Txn(List.of(), List.of(new Txn.Delete(h + "guests/g1"))));
        assertThat(store.commit(txn).committed()).isTrue();
        assertThat(store.read(h).entries()).isEmpty();
    }
}
