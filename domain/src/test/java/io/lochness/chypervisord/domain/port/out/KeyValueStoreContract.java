package io.lochness.chypervisord.domain.port.out;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The store contract: every {@link KeyValueStore} implementation extends this class and must
 * pass it unchanged. Each test works under a fresh random prefix, so a shared server (a real
 * etcd) needs no cleaning between tests.
 */
public abstract class KeyValueStoreContract {

    /** A store for one test; it is closed after the test. */
    protected abstract KeyValueStore createStore();

    protected KeyValueStore store;
    protected String root;

    @BeforeEach
    void openStore() {
        store = createStore();
        root = "contract/" + UUID.randomUUID() + "/";
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    private long put(String key, String value) {
        TxnResult result = store.commit(new Txn(List.of(), List.of(new Txn.Put(key, value))));
        assertThat(result.committed()).isTrue();
        return result.revision();
    }

    private List<String> keys(String prefix) {
        return store.read(prefix).entries().stream().map(KeyValue::key).toList();
    }

    @Test
    @DisplayName("a prefix with no keys reads as empty")
    void emptyPrefixReadsEmpty() {
        assertThat(store.read(root).entries()).isEmpty();
    }

    @Test
    @DisplayName("a put reads back with the revision its commit returned")
    void putReadsBackWithCommitRevision() {
        long revision = put(root + "a", "value");
        Snapshot snapshot = store.read(root);
        assertThat(snapshot.entries()).containsExactly(new KeyValue(root + "a", "value", revision));
        assertThat(snapshot.revision()).isGreaterThanOrEqualTo(revision);
    }

    @Test
    @DisplayName("a prefix read returns keys sorted and nothing outside the prefix")
    void prefixReadIsSortedAndBounded() {
        put(root + "b/2", "x");
        put(root + "a", "x");
        put(root + "b/1", "x");
        put(root.substring(0, root.length() - 1) + "-sibling", "x");
        put(root.substring(0, root.length() - 1), "x");
        assertThat(keys(root)).containsExactly(root + "a", root + "b/1", root + "b/2");
        assertThat(keys(root + "b/")).containsExactly(root + "b/1", root + "b/2");
    }

    @Test
    @DisplayName("a suffix read returns only the keys under the prefix that end with the suffix")
    void suffixReadKeepsOnlyMatchingKeys() {
        long a = put(root + "a/metadata", "record a");
        put(root + "a/config/metadata-ish", "x");
        put(root + "a/config/k", "x");
        long b = put(root + "b/metadata", "record b");
        put(root + "b/guests/g", "x");
        put(root.substring(0, root.length() - 1) + "-sibling/metadata", "outside");
        Snapshot filtered = store.read(root, "/metadata");
        assertThat(filtered.entries()).containsExactly(
                new KeyValue(root + "a/metadata", "record a", a), new KeyValue(root + "b/metadata", "record b", b));
        assertThat(filtered.revision()).isGreaterThanOrEqualTo(b);
        assertThat(store.read(root, "/nothing-ends-so").entries()).isEmpty();
        assertThat(store.read(root + "none/", "/metadata").entries()).isEmpty();
    }

    @Test
    @DisplayName("a suffix read is taken at the same revision as a full read of the prefix")
    void suffixReadRevisionIsTheReadsRevision() {
        put(root + "a/metadata", "record");
        long last = put(root + "a/guests/g", "x");
        assertThat(store.read(root, "/metadata").revision()).isGreaterThanOrEqualTo(last);
    }

    @Test
    @DisplayName("values keep every character, including non-ASCII and JSON")
    void valuesRoundTrip() {
        String value = "{\"k\":\"ünïcödé ✓ \\\"quoted\\\"\"}\n\ttabs";
        put(root + "v", value);
        assertThat(store.read(root).entries().get(0).value()).isEqualTo(value);
    }

    @Test
    @DisplayName("each write gets a newer revision than the one before")
    void revisionsGrow() {
        long first = put(root + "a", "1");
        long second = put(root + "a", "2");
        assertThat(second).isGreaterThan(first);
        assertThat(store.read(root).entries().get(0).revision()).isEqualTo(second);
    }

    @Test
    @DisplayName("all writes of one transaction share the commit's revision")
    void oneTransactionOneRevision() {
        TxnResult result =
                store.commit(
                        new Txn(
                                List.of(),
                                List.of(new Txn.Put(root + "a", "1"), new Txn.Put(root + "b", "2"))));
        assertThat(store.read(root).entries())
                .extracting(KeyValue::revision)
                .containsOnly(result.revision());
    }

    @Test
    @DisplayName("'absent' holds for a missing key and fails for a present one")
    void absentCondition() {
        Txn create =
                new Txn(List.of(Txn.KeyAt.absent(root + "k")), List.of(new Txn.Put(root + "k", "1")));
        assertThat(store.commit(create).committed()).isTrue();
        Txn again =
                new Txn(List.of(Txn.KeyAt.absent(root + "k")), List.of(new Txn.Put(root + "k", "2")));
        assertThat(store.commit(again)).isEqualTo(TxnResult.conflict());
        assertThat(store.read(root).entries().get(0).value()).isEqualTo("1");
    }

    @Test
    @DisplayName("'present' holds for an existing key, whatever its revision, and fails for a missing one")
    void presentCondition() {
        Txn write = new Txn(List.of(new Txn.Present(root + "k")), List.of(new Txn.Put(root + "child", "1")));
        assertThat(store.commit(write)).isEqualTo(TxnResult.conflict());
        assertThat(store.read(root).entries()).isEmpty();
        put(root + "k", "1");
        put(root + "k", "2");
        TxnResult result = store.commit(write);
        assertThat(result.committed()).isTrue();
        assertThat(keys(root)).containsExactly(root + "child", root + "k");
        put(root + "k", "3");
        store.commit(new Txn(List.of(), List.of(new Txn.Delete(root + "k"))));
        assertThat(store.commit(write)).isEqualTo(TxnResult.conflict());
    }

    @Test
    @DisplayName("a read-back returns the prefix as the writes left it, at the commit's revision; stores without it refuse it")
    void readBackInsideTheTransaction() {
        long before = put(root + "m/b", "old");
        put(root + "m/c", "gone soon");
        put(root + "other", "x");
        Txn txn = new Txn(
                List.of(new Txn.Present(root + "other")),
                List.of(new Txn.Put(root + "m/a", "new"), new Txn.Delete(root + "m/c")),
                root + "m/");
        if (!store.readsInTxn()) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> store.commit(txn))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThat(keys(root)).containsExactly(root + "m/b", root + "m/c", root + "other");
            return;
        }
        TxnResult result = store.commit(txn);
        assertThat(result.committed()).isTrue();
        assertThat(result.read()).containsExactly(
                new KeyValue(root + "m/a", "new", result.revision()), new KeyValue(root + "m/b", "old", before));
        assertThat(store.read(root + "m/").entries()).isEqualTo(result.read());

        Txn refused = new Txn(List.of(new Txn.Present(root + "missing")), List.of(new Txn.Put(root + "m/z", "1")), root + "m/");
        TxnResult conflict = store.commit(refused);
        assertThat(conflict.committed()).isFalse();
        assertThat(conflict.read()).isEmpty();
        assertThat(keys(root + "m/")).containsExactly(root + "m/a", root + "m/b");

        TxnResult readOnly = store.commit(new Txn(List.of(new Txn.Present(root + "other")), List.of(), root + "m/"));
        assertThat(readOnly.read()).isEqualTo(result.read());
    }

    @Test
    @DisplayName("a compare on the current revision commits; on a stale one it changes nothing")
    void revisionCondition() {
        long first = put(root + "k", "1");
        long second =
                store.commit(
                                new Txn(
                                        List.of(new Txn.KeyAt(root + "k", first)),
                                        List.of(new Txn.Put(root + "k", "2"))))
                        .revision();
        assertThat(second).isGreaterThan(first);
        TxnResult stale =
                store.commit(
                        new Txn(
                                List.of(new Txn.KeyAt(root + "k", first)),
                                List.of(new Txn.Put(root + "k", "3"), new Txn.Put(root + "other", "x"))));
        assertThat(stale.committed()).isFalse();
        assertThat(store.read(root).entries())
                .containsExactly(new KeyValue(root + "k", "2", second));
    }

    @Test
    @DisplayName("a failed condition among several applies none of the writes")
    void failedConditionAppliesNothing() {
        long a = put(root + "a", "1");
        put(root + "b", "1");
        Txn txn =
                new Txn(
                        List.of(new Txn.KeyAt(root + "a", a), Txn.KeyAt.absent(root + "b")),
                        List.of(
                                new Txn.Put(root + "a", "2"),
                                new Txn.Delete(root + "b"),
                                new Txn.Put(root + "c", "3")));
        assertThat(store.commit(txn).committed()).isFalse();
        assertThat(store.read(root).entries())
                .extracting(KeyValue::key, KeyValue::value)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(root + "a", "1"),
                        org.assertj.core.groups.Tuple.tuple(root + "b", "1"));
    }

    @Test
    @DisplayName("delete removes one key; deleting a missing key is not an error")
    void deleteKey() {
        put(root + "a", "1");
        put(root + "ab", "1");
        TxnResult result =
                store.commit(
                        new Txn(
                                List.of(),
                                List.of(new Txn.Delete(root + "a"), new Txn.Delete(root + "missing"))));
        assertThat(result.committed()).isTrue();
        assertThat(keys(root)).containsExactly(root + "ab");
    }

    @Test
    @DisplayName("a prefix delete removes everything under the prefix and nothing beside it")
    void deletePrefix() {
        put(root + "h/metadata", "1");
        put(root + "h/config/a", "1");
        put(root + "h/subnets/b", "1");
        put(root + "h2/metadata", "1");
        put(root + "h", "1");
        TxnResult result =
                store.commit(new Txn(List.of(), List.of(new Txn.DeletePrefix(root + "h/"))));
        assertThat(result.committed()).isTrue();
        assertThat(keys(root)).containsExactly(root + "h", root + "h2/metadata");
    }

    @Test
    @DisplayName("'prefix empty' holds with no key under the prefix and fails with one")
    void prefixEmptyCondition() {
        put(root + "h/metadata", "1");
        put(root + "h/guestsX", "not under guests/");
        Txn guarded =
                new Txn(
                        List.of(new Txn.PrefixEmpty(root + "h/guests/")),
                        List.of(new Txn.Put(root + "h/marker", "1")));
        assertThat(store.commit(guarded).committed()).isTrue();
        put(root + "h/guests/g1", "");
        Txn again =
                new Txn(
                        List.of(new Txn.PrefixEmpty(root + "h/guests/")),
                        List.of(new Txn.DeletePrefix(root + "h/")));
        assertThat(store.commit(again).committed()).isFalse();
        assertThat(keys(root + "h/")).contains(root + "h/guests/g1", root + "h/metadata");
    }

    @Test
    @DisplayName("an empty value is stored and read back as empty")
    void emptyValue() {
        put(root + "g", "");
        assertThat(store.read(root).entries().get(0).value()).isEmpty();
    }

    @Test
    @DisplayName("concurrent compare-and-set increments lose no update")
    void concurrentCompareAndSetLosesNothing() throws Exception {
        String key = root + "counter";
        put(key, "0");
        int threads = 4;
        int perThread = 10;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                futures.add(
                        pool.submit(
                                () -> {
                                    for (int i = 0; i < perThread; i++) {
                                        while (true) {
                                            KeyValue kv = store.read(key).get(key).orElseThrow();
                                            int next = Integer.parseInt(kv.value()) + 1;
                                            Txn txn =
                                                    new Txn(
                                                            List.of(new Txn.KeyAt(key, kv.revision())),
                                                            List.of(new Txn.Put(key, Integer.toString(next))));
                                            if (store.commit(txn).committed()) {
                                                break;
                                            }
                                        }
                                    }
                                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(store.read(key).get(key).orElseThrow().value())
                .isEqualTo(Integer.toString(threads * perThread));
    }

    @Test
    @DisplayName("ping answers on a healthy store")
    void pingAnswers() {
        store.ping();
        assertThat(store.name()).isNotBlank();
    }

    @Test
    @DisplayName("the store accepts transactions up to its announced size")
    void acceptsTransactionsUpToItsLimit() {
        int ops = Math.min(store.maxTxnOperations(), 64);
        List<Txn.Mutation> puts = new ArrayList<>();
        for (int i = 0; i < ops; i++) {
            puts.add(new Txn.Put(root + String.format("k%03d", i), "v"));
        }
        assertThat(store.commit(new Txn(List.of(), puts)).committed()).isTrue();
        assertThat(store.read(root).entries()).hasSize(ops);
    }
}
