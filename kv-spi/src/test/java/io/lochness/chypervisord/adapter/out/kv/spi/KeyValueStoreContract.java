package io.lochness.chypervisord.adapter.out.kv.spi;

import static org.assertj.core.api.Assertions.assertThat;

import io.lochness.chypervisord.domain.model.StoreUnavailableException;
import java.time.Duration;
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
 * The SPI's contract: every {@link KeyValueStore} implementation extends this class and must
 * pass it unchanged. Each test works under a fresh random prefix, so a shared server (a real
 * etcd) needs no cleaning between tests. It checks only what every store keeps (see the SPI's
 * notes on revisions); store-specific behaviour is tested beside each store.
 */
public abstract class KeyValueStoreContract {

    /** A store for one test; it is closed after the test. */
    protected abstract KeyValueStore createStore();

    /**
     * Makes the store forget its history before {@code revision} (etcd's compaction). A store
     * without compaction aborts the calling test with an assumption (reported as skipped).
     */
    protected abstract void compact(long revision);

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

    protected long put(String key, String value) {
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
    @DisplayName("a store that calls its prefix condition atomic never lets a guarded prefix delete and a racing write under it both commit")
    void atomicPrefixConditionHoldsUnderRaces() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(store.prefixConditionAtomic(),
                "this store says its prefix condition is not atomic");
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 40; round++) {
                String h = root + "h" + round + "/";
                put(h + "metadata", "{}");
                java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(2);
                Future<TxnResult> guest = pool.submit(() -> {
                    start.await();
                    return store.commit(new Txn(List.of(new Txn.Present(h + "metadata")),
                            List.of(new Txn.Put(h + "guests/g", ""))));
                });
                Future<TxnResult> delete = pool.submit(() -> {
                    start.await();
                    return store.commit(new Txn(List.of(new Txn.PrefixEmpty(h + "guests/")),
                            List.of(new Txn.DeletePrefix(h))));
                });
                boolean guestCommitted = guest.get().committed();
                boolean deleteCommitted = delete.get().committed();
                assertThat(guestCommitted ^ deleteCommitted)
                        .as("round %d: exactly one of the racing guest write (%s) and guarded delete (%s) commits",
                                round, guestCommitted, deleteCommitted)
                        .isTrue();
                assertThat(keys(h)).isEqualTo(guestCommitted ? List.of(h + "guests/g", h + "metadata") : List.of());
            }
        } finally {
            pool.shutdownNow();
        }
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

    // ---- paged reads at one revision ----

    @Test
    @DisplayName("a paged read returns at most the limit, in key order, and says whether more follow")
    void pagedReadPages() {
        for (int i = 0; i < 7; i++) {
            put(root + "p/" + i, "v" + i);
        }
        put(root + "q", "outside the prefix");
        Page first = store.readPage(root + "p/", null, 0, 3);
        assertThat(first.entries()).extracting(KeyValue::key).containsExactly(root + "p/0", root + "p/1", root + "p/2");
        assertThat(first.more()).isTrue();
        Page second = store.readPage(root + "p/", first.lastKey(), first.revision(), 3);
        assertThat(second.entries()).extracting(KeyValue::key).containsExactly(root + "p/3", root + "p/4", root + "p/5");
        Page third = store.readPage(root + "p/", second.lastKey(), first.revision(), 3);
        assertThat(third.entries()).extracting(KeyValue::key).containsExactly(root + "p/6");
        assertThat(third.more()).isFalse();
        assertThat(second.revision()).isEqualTo(first.revision());
        assertThat(store.readPage(root + "none/", null, 0, 10).entries()).isEmpty();
    }

    @Test
    @DisplayName("pages read at one revision are that snapshot, whatever is written between them")
    void pagedReadIsOneSnapshot() {
        for (int i = 0; i < 10; i++) {
            put(root + "p/" + i, "old");
        }
        Page first = store.readPage(root + "p/", null, 0, 4);
        long at = first.revision();
        // Writers change keys both behind and ahead of the read position.
        store.commit(new Txn(List.of(), List.of(new Txn.Delete(root + "p/1"), new Txn.Delete(root + "p/7"),
                new Txn.Put(root + "p/5", "new"), new Txn.Put(root + "p/55", "new"), new Txn.Put(root + "p/0", "new"))));
        List<KeyValue> all = new ArrayList<>(first.entries());
        Page page = first;
        while (page.more()) {
            page = store.readPage(root + "p/", page.lastKey(), at, 4);
            assertThat(page.revision()).isEqualTo(at);
            all.addAll(page.entries());
        }
        assertThat(all).extracting(KeyValue::key)
                .containsExactly(root + "p/0", root + "p/1", root + "p/2", root + "p/3", root + "p/4",
                        root + "p/5", root + "p/6", root + "p/7", root + "p/8", root + "p/9");
        assertThat(all).extracting(KeyValue::value).containsOnly("old");
        assertThat(all).allSatisfy(kv -> assertThat(kv.revision()).isLessThanOrEqualTo(at));
    }

    @Test
    @DisplayName("a paged read at a compacted revision says so")
    void pagedReadAtCompactedRevision() {
        long old = put(root + "a", "1");
        long newer = put(root + "a", "2");
        put(root + "b", "x");
        compact(newer);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> store.readPage(root, null, old, 10))
                .isInstanceOf(CompactedException.class);
        assertThat(store.readPage(root, null, newer, 10).entries())
                .extracting(KeyValue::value).containsExactly("2");
    }

    // ---- current revision ----

    @Test
    @DisplayName("a watch from the revision after an empty-looking read still sees the next write (no revision is shared by 'nothing' and a first write)")
    void watchAfterReadMissesNothing() throws Exception {
        Page empty = store.readPage(root, null, 0, 10);
        assertThat(empty.entries()).isEmpty();
        WatchRecorder recorder = new WatchRecorder();
        try (Watch watch = store.watch(root, empty.revision() + 1, recorder)) {
            long first = put(root + "first", "1");
            assertThat(first).isGreaterThan(empty.revision());
            assertThat(recorder.nextChanges()).extracting(KeyChange::revision).containsExactly(first);
        }
    }

    @Test
    @DisplayName("the current revision is at least that of every write acknowledged before it")
    void currentRevisionCoversAcknowledgedWrites() {
        long before = store.currentRevision();
        long written = put(root + "a", "1");
        assertThat(written).isGreaterThanOrEqualTo(before);
        assertThat(store.currentRevision()).isGreaterThanOrEqualTo(written);
        long again = put(root + "a", "2");
        assertThat(store.currentRevision()).isGreaterThanOrEqualTo(again).isGreaterThan(before);
    }

    // ---- watches ----

    @Test
    @DisplayName("a watch reports puts and deletes under its prefix in order, one call per revision")
    void watchReportsChanges() throws Exception {
        long start = store.currentRevision() + 1;
        WatchRecorder recorder = new WatchRecorder();
        try (Watch watch = store.watch(root + "w/", start, recorder)) {
            long a = put(root + "w/a", "1");
            put(root + "elsewhere", "not watched");
            TxnResult both = store.commit(new Txn(List.of(),
                    List.of(new Txn.Put(root + "w/b", "2"), new Txn.Delete(root + "w/a"))));
            assertThat(recorder.nextChanges()).containsExactly(KeyChange.put(root + "w/a", "1", a));
            List<KeyChange> second = recorder.nextChanges();
            assertThat(second).extracting(KeyChange::key).containsExactlyInAnyOrder(root + "w/b", root + "w/a");
            assertThat(second).extracting(KeyChange::revision).containsOnly(both.revision());
            assertThat(second).filteredOn(KeyChange::deleted).extracting(KeyChange::key).containsExactly(root + "w/a");
            assertThat(second).filteredOn(c -> !c.deleted()).extracting(KeyChange::value).containsExactly("2");
        }
    }

    @Test
    @DisplayName("a watch from a past revision replays every change since it, then follows")
    void watchFromPastRevisionReplays() throws Exception {
        long first = put(root + "w/a", "1");
        long second = put(root + "w/b", "2");
        store.commit(new Txn(List.of(), List.of(new Txn.DeletePrefix(root + "w/"))));
        WatchRecorder recorder = new WatchRecorder();
        try (Watch watch = store.watch(root + "w/", second, recorder)) {
            long third = put(root + "w/c", "3");
            List<KeyChange> all = new ArrayList<>();
            while (all.isEmpty() || all.get(all.size() - 1).revision() < third) {
                all.addAll(recorder.nextChanges());
            }
            assertThat(all).extracting(KeyChange::key, KeyChange::value)
                    .containsExactly(
                            org.assertj.core.groups.Tuple.tuple(root + "w/b", "2"),
                            org.assertj.core.groups.Tuple.tuple(root + "w/a", null),
                            org.assertj.core.groups.Tuple.tuple(root + "w/b", null),
                            org.assertj.core.groups.Tuple.tuple(root + "w/c", "3"));
            assertThat(all).extracting(KeyChange::revision).isSorted()
                    .allSatisfy(r -> assertThat(r).isGreaterThan(first));
        }
    }

    @Test
    @DisplayName("a progress report comes after every change it covers and reaches the current revision")
    void progressFollowsChanges() throws Exception {
        WatchRecorder recorder = new WatchRecorder();
        long start = store.currentRevision() + 1;
        try (Watch watch = store.watch(root + "w/", start, recorder)) {
            List<Long> written = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                written.add(put(root + "w/" + i, "v"));
                put(root + "other/" + i, "v"); // moves the store's revision, not the watch's
            }
            long current = store.currentRevision();
            watch.requestProgress();
            List<KeyChange> seen = recorder.changesUntilProgress(current);
            assertThat(seen).extracting(KeyChange::revision).containsExactlyElementsOf(written);
        }
    }

    @Test
    @DisplayName("a watch from a compacted revision reports the compaction and ends")
    void watchFromCompactedRevision() throws Exception {
        long old = put(root + "w/a", "1");
        long newer = put(root + "w/a", "2");
        compact(newer);
        WatchRecorder recorder = new WatchRecorder();
        try (Watch watch = store.watch(root + "w/", old, recorder)) {
            Object heard = recorder.next();
            assertThat(heard).isInstanceOf(WatchRecorder.Compacted.class);
            assertThat(((WatchRecorder.Compacted) heard).revision()).isGreaterThan(old);
        }
    }

    @Test
    @DisplayName("a closed watch reports nothing more")
    void closedWatchIsSilent() throws Exception {
        WatchRecorder recorder = new WatchRecorder();
        Watch watch = store.watch(root + "w/", store.currentRevision() + 1, recorder);
        long a = put(root + "w/a", "1");
        assertThat(recorder.nextChanges()).extracting(KeyChange::revision).containsExactly(a);
        watch.close();
        put(root + "w/b", "2");
        assertThat(recorder.poll(Duration.ofMillis(500))).isNull();
        watch.close(); // idempotent
    }
}
