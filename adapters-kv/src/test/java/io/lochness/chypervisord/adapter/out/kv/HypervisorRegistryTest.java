package io.lochness.chypervisord.adapter.out.kv;

import static io.lochness.chypervisord.domain.TestHypervisors.ipOnly;
import static io.lochness.chypervisord.domain.TestHypervisors.macOnly;
import static io.lochness.chypervisord.domain.TestHypervisors.metadataOnly;
import static io.lochness.chypervisord.domain.TestHypervisors.patchOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lochness.chypervisord.domain.TestHypervisors;
import io.lochness.chypervisord.domain.model.BridgeName;
import io.lochness.chypervisord.domain.model.ConfigKey;
import io.lochness.chypervisord.domain.model.ConflictException;
import io.lochness.chypervisord.domain.model.Hypervisor;
import io.lochness.chypervisord.domain.model.HypervisorAlreadyExistsException;
import io.lochness.chypervisord.domain.model.HypervisorHasGuestsException;
import io.lochness.chypervisord.domain.model.HypervisorId;
import io.lochness.chypervisord.domain.model.HypervisorNotFoundException;
import io.lochness.chypervisord.domain.model.HypervisorPatch;
import io.lochness.chypervisord.domain.model.InvalidInputException;
import io.lochness.chypervisord.domain.model.IpAddress;
import io.lochness.chypervisord.domain.model.MacAddress;
import io.lochness.chypervisord.domain.model.Precondition;
import io.lochness.chypervisord.domain.model.PreconditionFailedException;
import io.lochness.chypervisord.domain.model.StoreUnavailableException;
import io.lochness.chypervisord.domain.model.StoredDataInvalidException;
import io.lochness.chypervisord.domain.model.SubnetId;
import io.lochness.chypervisord.domain.model.SubnetNotFoundException;
import io.lochness.chypervisord.domain.model.Versioned;
import io.lochness.chypervisord.domain.port.in.HypervisorService;
import io.lochness.chypervisord.domain.service.HypervisorRegistry;
import io.lochness.chypervisord.adapter.out.kv.spi.KeyValue;
import io.lochness.chypervisord.adapter.out.kv.spi.Txn;
import io.lochness.chypervisord.adapter.out.kv.spi.TxnResult;
import io.lochness.chypervisord.adapter.out.kv.memory.InMemoryKeyValueStore;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The registry service over the in-memory store, watched through {@link InterceptingStore}. */
class HypervisorRegistryTest {
    private static final HypervisorId UNKNOWN = new HypervisorId("99999999-9999-9999-9999-999999999999");
    private static final SubnetId SUBNET_1 = new SubnetId("11111111-1111-1111-1111-111111111111");
    private static final SubnetId SUBNET_2 = new SubnetId("22222222-2222-2222-2222-222222222222");
    private static final SubnetId SUBNET_3 = new SubnetId("33333333-3333-3333-3333-333333333333");

    private InMemoryKeyValueStore raw;
    private InterceptingStore store;
    private HypervisorRegistry registry;
    private final AtomicInteger retries = new AtomicInteger();

    @BeforeEach
    void setUp() {
        raw = new InMemoryKeyValueStore();
        store = new InterceptingStore(raw);
        registry = new HypervisorRegistry(new KvHypervisorRepository(store, null), operation -> retries.incrementAndGet());
    }

    // ---- helpers -------------------------------------------------------------------------

    /** Writes a key straight into the store, as another lochness daemon would. */
    private void putRaw(String key, String value) {
        assertThat(raw.commit(new Txn(List.of(), List.of(new Txn.Put(key, value)))).committed()).isTrue();
    }

    /** Every lochness key with its value and revision. */
    private List<KeyValue> everything() {
        return raw.read("lochness/").entries();
    }

    private Hypervisor seeded() {
        Hypervisor seed = TestHypervisors.builder().meta("rack", "7").build();
        registry.create(patchOf(seed));
        return seed;
    }

    private static Map<ConfigKey, String> config(String... keyValues) {
        Map<ConfigKey, String> out = new TreeMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            out.put(new ConfigKey(keyValues[i]), keyValues[i + 1]);
        }
        return out;
    }

    private static Map<String, String> strings(String... keyValues) {
        Map<String, String> out = new TreeMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            out.put(keyValues[i], keyValues[i + 1]);
        }
        return out;
    }

    // ---- list and get --------------------------------------------------------------------

    @Test
    @DisplayName("list returns every hypervisor sorted by id, in one store read")
    void listIsSortedInOneRead() {
        List<String> ids = List.of(
                "cccccccc-0000-0000-0000-000000000000",
                "aaaaaaaa-0000-0000-0000-000000000000",
                "bbbbbbbb-0000-0000-0000-000000000000");
        for (String id : ids) {
            registry.create(TestHypervisors.builder().id(id).patch());
        }
        registry.updateConfig(new HypervisorId(ids.get(0)), config("metadata", "not a record"), Precondition.NONE);
        store.resetCounts();

        List<Hypervisor> listed = registry.list();

        assertThat(listed).extracting(h -> h.id().value()).containsExactly(
                "aaaaaaaa-0000-0000-0000-000000000000",
                "bbbbbbbb-0000-0000-0000-000000000000",
                "cccccccc-0000-0000-0000-000000000000");
        assertThat(listed.get(0)).isEqualTo(TestHypervisors.builder().id(ids.get(1)).build());
        assertThat(store.reads).hasValue(1);
        assertThat(store.commits).hasValue(0);
    }

    @Test
    @DisplayName("list of an empty store is empty")
    void givenEmptyStore_list_returnsEmpty() {
        assertThat(registry.list()).isEmpty();
    }

    @Test
    @DisplayName("get returns the record and its metadata key's revision, in one store read")
    void getIsOneRead() {
        Hypervisor seed = seeded();
        store.resetCounts();

        Versioned<Hypervisor> got = registry.get(seed.id());

        assertThat(got.value()).isEqualTo(seed);
        assertThat(got.revision()).isEqualTo(raw.read(LochnessLayout.metadata(seed.id())).entries().get(0).revision());
        assertThat(store.reads).hasValue(1);
        assertThat(store.commits).hasValue(0);
    }

    @Test
    @DisplayName("get by the upper-case spelling of an id finds the record")
    void givenRecord_getByUpperCaseId_findsIt() {
        Hypervisor seed = seeded();
        assertThat(registry.get(new HypervisorId(TestHypervisors.SEED_ID.toUpperCase())).value()).isEqualTo(seed);
    }

    // ---- create ----------------------------------------------------------------------------

    @Test
    @DisplayName("create with an id stores the record's JSON at its metadata key")
    void createWithIdStoresRecord() {
        Versioned<Hypervisor> created = registry.create(TestHypervisors.builder().patch());

        assertThat(created.value()).isEqualTo(TestHypervisors.seed());
        assertThat(everything()).containsExactly(new KeyValue(
                "lochness/hypervisors/" + TestHypervisors.SEED_ID + "/metadata", TestHypervisors.SEED_JSON,
                created.revision()));
        assertThat(registry.get(TestHypervisors.seedId())).isEqualTo(created);
    }

    @Test
    @DisplayName("create without an id picks a random UUID and stores the record under it")
    void createWithoutIdPicksRandomUuid() {
        HypervisorPatch noId = new HypervisorPatch(null, Map.of("a", "b"), new IpAddress("10.0.0.1"), null, null,
                null, null, null);

        Versioned<Hypervisor> first = registry.create(noId);
        Versioned<Hypervisor> second = registry.create(noId);

        assertThat(first.value().id()).isNotEqualTo(second.value().id());
        assertThat(first.value().id().value()).matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
        assertThat(first.value().metadata()).containsExactly(Map.entry("a", "b"));
        assertThat(first.value().ip().value()).isEqualTo("10.0.0.1");
        assertThat(first.value().mac()).isEqualTo(MacAddress.UNSET);
        assertThat(registry.get(first.value().id()).value()).isEqualTo(first.value());
        assertThat(registry.list()).hasSize(2);
    }

    @Test
    @DisplayName("create of an existing id is HypervisorAlreadyExistsException and leaves the stored record untouched")
    void givenRecord_createSameId_alreadyExistsAndUntouched() {
        seeded();
        List<KeyValue> before = everything();

        assertThatThrownBy(() -> registry.create(TestHypervisors.builder().ip("10.9.9.9").meta("x", "y").patch()))
                .isInstanceOf(HypervisorAlreadyExistsException.class);
        assertThatThrownBy(() -> registry.create(TestHypervisors.builder()
                        .id(TestHypervisors.SEED_ID.toUpperCase()).patch()))
                .isInstanceOf(HypervisorAlreadyExistsException.class);
        assertThat(everything()).isEqualTo(before);
    }

    // ---- update ----------------------------------------------------------------------------

    @Test
    @DisplayName("update replaces the given fields and keeps the others, in one read and one commit")
    void updateKeepsUnspecifiedFields() {
        Hypervisor seed = seeded();
        store.resetCounts();

        Versioned<Hypervisor> updated = registry.update(seed.id(), ipOnly("10.1.1.1"), Precondition.NONE);

        Hypervisor expected = TestHypervisors.builder().meta("rack", "7").ip("10.1.1.1").build();
        assertThat(updated.value()).isEqualTo(expected);
        assertThat(registry.get(seed.id())).isEqualTo(new Versioned<>(expected, updated.revision()));
        assertThat(store.reads).hasValue(2); // the update's one read plus the get's
        assertThat(store.commits).hasValue(1);
    }

    @Test
    @DisplayName("an uncontended update costs exactly one store read and one commit")
    void uncontendedUpdateIsOneReadOneCommit() {
        Hypervisor seed = seeded();
        store.resetCounts();
        registry.update(seed.id(), macOnly("02:00:00:00:00:01"), Precondition.NONE);
        assertThat(store.reads).hasValue(1);
        assertThat(store.commits).hasValue(1);
        assertThat(retries).hasValue(0);
    }

    @Test
    @DisplayName("update's metadata replaces the whole map")
    void updateReplacesMetadataWhole() {
        Hypervisor seed = TestHypervisors.builder().meta("a", "1").meta("b", "2").build();
        registry.create(patchOf(seed));

        registry.update(seed.id(), metadataOnly(Map.of("c", "3")), Precondition.NONE);

        assertThat(registry.get(seed.id()).value().metadata()).containsExactly(Map.entry("c", "3"));
        registry.update(seed.id(), metadataOnly(Map.of()), Precondition.NONE);
        assertThat(registry.get(seed.id()).value().metadata()).isEmpty();
    }

    @Test
    @DisplayName("update whose body id differs from the path id is InvalidInputException and changes nothing")
    void updateWithOtherBodyIdIsInvalid() {
        Hypervisor seed = seeded();
        List<KeyValue> before = everything();
        store.resetCounts();
        HypervisorPatch otherId = TestHypervisors.withRandomId().ip("10.2.2.2").patch();

        assertThatThrownBy(() -> registry.update(seed.id(), otherId, Precondition.NONE))
                .isInstanceOf(InvalidInputException.class);
        assertThat(everything()).isEqualTo(before);
        assertThat(store.commits).hasValue(0);
        // the same id in another case is the same id
        registry.update(seed.id(), TestHypervisors.builder().id(TestHypervisors.SEED_ID.toUpperCase()).patch(),
                Precondition.NONE);
    }

    // ---- unknown hypervisor ------------------------------------------------------------------

    static Stream<Named<Consumer<HypervisorService>>> everyOperation() {
        HypervisorId id = UNKNOWN;
        return Stream.of(
                Named.of("get", s -> s.get(id)),
                Named.of("update", s -> s.update(id, ipOnly("10.0.0.1"), Precondition.NONE)),
                Named.of("update (If-Match *)", s -> s.update(id, ipOnly("10.0.0.1"), Precondition.ANY)),
                Named.of("delete", s -> s.delete(id, Precondition.NONE)),
                Named.of("config", s -> s.config(id)),
                Named.of("updateConfig", s -> s.updateConfig(id, config("k", "v", "gone", ""), Precondition.NONE)),
                Named.of("subnets", s -> s.subnets(id)),
                Named.of("addSubnets", s -> s.addSubnets(id, Map.of(SUBNET_1, new BridgeName("br0")), Precondition.NONE)),
                Named.of("removeSubnet", s -> s.removeSubnet(id, SUBNET_1, Precondition.NONE)),
                Named.of("guests", s -> s.guests(id)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("everyOperation")
    @DisplayName("every operation on an unknown hypervisor is HypervisorNotFoundException and creates nothing")
    void givenUnknownHypervisor_anyOperation_notFoundAndNothingCreated(Consumer<HypervisorService> operation) {
        seeded(); // another hypervisor exists
        List<KeyValue> before = everything();
        store.resetCounts();

        assertThatThrownBy(() -> operation.accept(registry)).isInstanceOf(HypervisorNotFoundException.class);
        assertThat(everything()).isEqualTo(before);
        assertThat(raw.read(LochnessLayout.prefix(UNKNOWN)).entries()).isEmpty();
        // Nothing is offered to the store, except a config or subnets PATCH's one-round-trip
        // commit, which the store itself refuses because it is guarded by the record's existence.
        assertThat(store.offered).allSatisfy(txn ->
                assertThat(txn.conditions()).contains(new Txn.Present(LochnessLayout.metadata(UNKNOWN))));
        assertThat(store.commits.get()).isLessThanOrEqualTo(1);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("everyOperation")
    @DisplayName("on an empty store every operation is HypervisorNotFoundException and lochness/ stays empty")
    void givenEmptyStore_anyOperation_storeStaysEmpty(Consumer<HypervisorService> operation) {
        assertThatThrownBy(() -> operation.accept(registry)).isInstanceOf(HypervisorNotFoundException.class);
        assertThat(everything()).isEmpty();
    }

    // ---- config ------------------------------------------------------------------------------

    @Test
    @DisplayName("updateConfig sets non-empty values, deletes keys given \"\", and returns the whole config")
    void updateConfigSetsDeletesAndReturnsWhole() {
        Hypervisor seed = seeded();
        registry.updateConfig(seed.id(), config("a", "1", "b", "2"), Precondition.NONE);

        Map<String, String> result = registry.updateConfig(seed.id(), config("b", "", "c", "3", "absent", ""),
                Precondition.NONE);

        assertThat(result).containsExactly(Map.entry("a", "1"), Map.entry("c", "3"));
        assertThat(registry.config(seed.id())).isEqualTo(result);
    }

    @Test
    @DisplayName("config keys are stored under lochness/hypervisors/{id}/config/{key}")
    void configKeyLayout() {
        Hypervisor seed = seeded();
        registry.updateConfig(seed.id(), config("dns", "10.0.0.53", "odd key.x", "v"), Precondition.NONE);

        String prefix = "lochness/hypervisors/" + TestHypervisors.SEED_ID + "/config/";
        assertThat(raw.read(prefix).entries()).extracting(KeyValue::key, KeyValue::value).containsExactly(
                org.assertj.core.groups.Tuple.tuple(prefix + "dns", "10.0.0.53"),
                org.assertj.core.groups.Tuple.tuple(prefix + "odd key.x", "v"));
        assertThat(raw.read(LochnessLayout.metadata(seed.id())).entries().get(0).value())
                .as("the record itself is untouched")
                .isEqualTo(RecordCodec.encode(seed));
    }

    @Test
    @DisplayName("a config PATCH of several keys goes to the store as one transaction; a failed commit lands none of it")
    void configPatchIsAtomic() {
        Hypervisor seed = seeded();
        registry.updateConfig(seed.id(), config("keep", "1", "drop", "2"), Precondition.NONE);
        List<KeyValue> before = everything();
        store.resetCounts();
        store.hook = (txn, delegate) -> {
            throw new StoreUnavailableException("store down");
        };

        assertThatThrownBy(() -> registry.updateConfig(seed.id(), config("drop", "", "new1", "a", "new2", "b"),
                        Precondition.NONE))
                .isInstanceOf(StoreUnavailableException.class);

        assertThat(everything()).isEqualTo(before);
        assertThat(store.offered).hasSize(1);
        assertThat(store.offered.get(0).mutations()).containsExactlyInAnyOrder(
                new Txn.Delete(LochnessLayout.config(seed.id(), new ConfigKey("drop"))),
                new Txn.Put(LochnessLayout.config(seed.id(), new ConfigKey("new1")), "a"),
                new Txn.Put(LochnessLayout.config(seed.id(), new ConfigKey("new2")), "b"));

        store.hook = (txn, delegate) -> TxnResult.conflict();
        assertThatThrownBy(() -> registry.updateConfig(seed.id(), config("drop", "", "new1", "a", "new2", "b"),
                        Precondition.NONE))
                .isInstanceOf(ConflictException.class);
        assertThat(everything()).isEqualTo(before);
    }

    @Test
    @DisplayName("on a store that reads back in a transaction, a config PATCH is one transaction (with the registry view, no store read: the size limits are checked against the view)")
    void configPatchIsOneRoundTrip() {
        Hypervisor seed = seeded();
        store.resetCounts();

        Map<String, String> result = registry.updateConfig(seed.id(), config("a", "1"), Precondition.NONE);

        assertThat(result).containsExactly(Map.entry("a", "1"));
        assertThat(store.reads.get()).as("without a view, one read for the size limits").isEqualTo(1);
        assertThat(store.commits.get()).isEqualTo(1);

        RegistryView view = new RegistryView(store, 1000, java.time.Duration.ofSeconds(5));
        try {
            view.start();
            long giveUp = System.nanoTime() + 60_000_000_000L;
            while (view.state() != RegistryView.State.READY) {
                assertThat(System.nanoTime()).isLessThan(giveUp);
                java.util.concurrent.locks.LockSupport.parkNanos(1_000_000); // not a spin: leave the cores to the view
            }
            HypervisorRegistry viewed = new HypervisorRegistry(new KvHypervisorRepository(store, view));
            store.resetCounts();
            assertThat(viewed.updateConfig(seed.id(), config("a", "1"), Precondition.NONE)).containsExactly(Map.entry("a", "1"));
            assertThat(store.reads.get()).isZero();
            assertThat(store.revisionCalls.get()).as("the size limits read the view after this service's own writes").isZero();
            assertThat(store.commits.get()).isEqualTo(1);
        } finally {
            view.close();
        }
        Txn txn = store.offered.get(0);
        assertThat(txn.conditions()).containsExactly(new Txn.Present(LochnessLayout.metadata(seed.id())));
        assertThat(txn.readBack()).isEqualTo(LochnessLayout.configPrefix(seed.id()));
    }

    @Test
    @DisplayName("a config PATCH answers the config its commit left, a key another writer set meanwhile included")
    void configPatchAnswersTheCommittedState() {
        Hypervisor seed = seeded();
        String other = LochnessLayout.config(seed.id(), new ConfigKey("set-by-another-daemon"));
        store.hook = (txn, delegate) -> {
            putRaw(other, "x");
            return delegate.commit(txn);
        };

        Map<String, String> result = registry.updateConfig(seed.id(), config("a", "1"), Precondition.NONE);

        assertThat(result).containsExactly(Map.entry("a", "1"), Map.entry("set-by-another-daemon", "x"));
    }

    @Test
    @DisplayName("a config PATCH racing the record's delete is HypervisorNotFoundException and writes nothing")
    void configPatchRacingDeleteIsNotFound() {
        Hypervisor seed = seeded();
        store.hook = (txn, delegate) -> {
            raw.commit(new Txn(List.of(), List.of(new Txn.DeletePrefix(LochnessLayout.prefix(seed.id())))));
            return delegate.commit(txn);
        };

        assertThatThrownBy(() -> registry.updateConfig(seed.id(), config("a", "1"), Precondition.NONE))
                .isInstanceOf(HypervisorNotFoundException.class);
        assertThat(everything()).isEmpty();
    }

    @Test
    @DisplayName("without read-back, or with If-Match on a revision, a config PATCH reads and then commits on the record's revision")
    void configPatchWithoutReadBackComparesTheRevision() {
        Hypervisor seed = seeded();
        long revision = registry.get(seed.id()).revision();
        Txn.KeyAt unchanged = new Txn.KeyAt(LochnessLayout.metadata(seed.id()), revision);

        store.readsInTxn = false;
        store.resetCounts();
        assertThat(registry.updateConfig(seed.id(), config("a", "1"), Precondition.NONE))
                .containsExactly(Map.entry("a", "1"));
        assertThat(store.reads.get()).isEqualTo(1);
        assertThat(store.offered).singleElement().satisfies(txn -> {
            assertThat(txn.conditions()).containsExactly(unchanged);
            assertThat(txn.readBack()).isNull();
        });

        store.readsInTxn = true;
        store.resetCounts();
        assertThat(registry.updateConfig(seed.id(), config("b", "2"), Precondition.oneOf(Set.of(revision))))
                .containsExactly(Map.entry("a", "1"), Map.entry("b", "2"));
        assertThat(store.offered).singleElement().satisfies(txn -> assertThat(txn.conditions()).containsExactly(unchanged));
    }

    // ---- subnets -----------------------------------------------------------------------------

    @Test
    @DisplayName("addSubnets adds to (and re-points within) the map rather than replacing it")
    void addSubnetsAdds() {
        Hypervisor seed = seeded();
        registry.addSubnets(seed.id(), Map.of(SUBNET_1, new BridgeName("br0")), Precondition.NONE);

        Map<String, String> result = registry.addSubnets(seed.id(),
                Map.of(SUBNET_2, new BridgeName("br1"), SUBNET_3, new BridgeName("br2")), Precondition.NONE);

        assertThat(result).containsExactly(
                Map.entry(SUBNET_1.value(), "br0"), Map.entry(SUBNET_2.value(), "br1"), Map.entry(SUBNET_3.value(), "br2"));
        assertThat(registry.subnets(seed.id())).isEqualTo(result);
        assertThat(registry.addSubnets(seed.id(), Map.of(SUBNET_1, new BridgeName("br9")), Precondition.NONE))
                .containsEntry(SUBNET_1.value(), "br9").hasSize(3);
        assertThat(raw.read(LochnessLayout.subnet(seed.id(), SUBNET_1)).entries()).extracting(KeyValue::value)
                .containsExactly("br9");
    }

    @Test
    @DisplayName("removeSubnet removes one subnet and returns the remaining map")
    void removeSubnetReturnsRemaining() {
        Hypervisor seed = seeded();
        registry.addSubnets(seed.id(), Map.of(SUBNET_1, new BridgeName("br0"), SUBNET_2, new BridgeName("br1")),
                Precondition.NONE);

        Map<String, String> remaining = registry.removeSubnet(seed.id(), SUBNET_1, Precondition.NONE);

        assertThat(remaining).containsExactly(Map.entry(SUBNET_2.value(), "br1"));
        assertThat(registry.subnets(seed.id())).isEqualTo(remaining);
        assertThat(raw.read(LochnessLayout.subnet(seed.id(), SUBNET_1)).entries()).isEmpty();
    }

    @Test
    @DisplayName("removing a subnet that is not assigned is SubnetNotFoundException and changes nothing")
    void removeUnassignedSubnetIsNotFound() {
        Hypervisor seed = seeded();
        registry.addSubnets(seed.id(), Map.of(SUBNET_1, new BridgeName("br0")), Precondition.NONE);
        List<KeyValue> before = everything();

        assertThatThrownBy(() -> registry.removeSubnet(seed.id(), SUBNET_2, Precondition.NONE))
                .isInstanceOf(SubnetNotFoundException.class);
        assertThat(everything()).isEqualTo(before);
    }

    // ---- guests ------------------------------------------------------------------------------

    @Test
    @DisplayName("guests are [] when there are none and the guest ids sorted when another daemon placed some")
    void guestsSortedOrEmpty() {
        Hypervisor seed = seeded();
        assertThat(registry.guests(seed.id())).isEmpty();

        putRaw(LochnessLayout.guest(seed.id(), "cccccccc-0000-0000-0000-000000000000"), "");
        putRaw(LochnessLayout.guest(seed.id(), "aaaaaaaa-0000-0000-0000-000000000000"), "");
        putRaw("lochness/hypervisors/" + TestHypervisors.SEED_ID + "/guests/bbbbbbbb-0000-0000-0000-000000000000", "x");

        assertThat(registry.guests(seed.id())).containsExactly(
                "aaaaaaaa-0000-0000-0000-000000000000",
                "bbbbbbbb-0000-0000-0000-000000000000",
                "cccccccc-0000-0000-0000-000000000000");
    }

    // ---- delete ------------------------------------------------------------------------------

    @Test
    @DisplayName("delete returns the record and removes it with its config, subnets and heartbeat")
    void deleteRemovesEverything() {
        Hypervisor seed = seeded();
        Hypervisor other = TestHypervisors.withRandomId().build();
        registry.create(patchOf(other));
        registry.updateConfig(seed.id(), config("a", "1"), Precondition.NONE);
        registry.addSubnets(seed.id(), Map.of(SUBNET_1, new BridgeName("br0")), Precondition.NONE);
        putRaw(LochnessLayout.prefix(seed.id()) + "heartbeat", "2024-01-01T00:00:00Z");
        List<KeyValue> othersKeys = raw.read(LochnessLayout.prefix(other.id())).entries();

        Hypervisor deleted = registry.delete(seed.id(), Precondition.NONE);

        assertThat(deleted).isEqualTo(seed);
        assertThat(raw.read(LochnessLayout.prefix(seed.id())).entries()).isEmpty();
        assertThat(everything()).isEqualTo(othersKeys);
        assertThatThrownBy(() -> registry.get(seed.id())).isInstanceOf(HypervisorNotFoundException.class);
    }

    @Test
    @DisplayName("delete of a hypervisor with guests is HypervisorHasGuestsException and deletes nothing")
    void deleteWithGuestsIsRefused() {
        Hypervisor seed = seeded();
        registry.updateConfig(seed.id(), config("a", "1"), Precondition.NONE);
        putRaw(LochnessLayout.guest(seed.id(), "aaaaaaaa-0000-0000-0000-000000000000"), "");
        List<KeyValue> before = everything();

        assertThatThrownBy(() -> registry.delete(seed.id(), Precondition.NONE))
                .isInstanceOf(HypervisorHasGuestsException.class);
        assertThat(everything()).isEqualTo(before);
    }

    @Test
    @DisplayName("a guest placed between delete's read and commit makes delete fail with HypervisorHasGuestsException")
    void deleteIsAtomicAgainstNewGuest() {
        Hypervisor seed = seeded();
        registry.updateConfig(seed.id(), config("a", "1"), Precondition.NONE);
        String guestKey = LochnessLayout.guest(seed.id(), "aaaaaaaa-0000-0000-0000-000000000000");
        AtomicBoolean placed = new AtomicBoolean();
        store.hook = (txn, delegate) -> {
            if (placed.compareAndSet(false, true)) {
                delegate.commit(new Txn(List.of(), List.of(new Txn.Put(guestKey, ""))));
            }
            return delegate.commit(txn);
        };

        assertThatThrownBy(() -> registry.delete(seed.id(), Precondition.NONE))
                .isInstanceOf(HypervisorHasGuestsException.class);

        assertThat(placed).isTrue();
        assertThat(registry.get(seed.id()).value()).isEqualTo(seed);
        assertThat(registry.config(seed.id())).containsExactly(Map.entry("a", "1"));
        assertThat(registry.guests(seed.id())).containsExactly("aaaaaaaa-0000-0000-0000-000000000000");
    }

    // ---- preconditions -----------------------------------------------------------------------

    static Stream<Named<BiConsumer<HypervisorService, Precondition>>> everyWrite() {
        HypervisorId id = TestHypervisors.seedId();
        return Stream.of(
                Named.of("update", (s, p) -> s.update(id, ipOnly("10.3.3.3"), p)),
                Named.of("delete", (s, p) -> s.delete(id, p)),
                Named.of("updateConfig", (s, p) -> s.updateConfig(id, config("k", "v", "old", ""), p)),
                Named.of("addSubnets", (s, p) -> s.addSubnets(id, Map.of(SUBNET_2, new BridgeName("br2")), p)),
                Named.of("removeSubnet", (s, p) -> s.removeSubnet(id, SUBNET_1, p)));
    }

    /** Seeds a record with config and a subnet; returns its revision before its latest update. */
    private long seededWithStaleRevision() {
        Hypervisor seed = seeded();
        registry.updateConfig(seed.id(), config("old", "x"), Precondition.NONE);
        registry.addSubnets(seed.id(), Map.of(SUBNET_1, new BridgeName("br0")), Precondition.NONE);
        long stale = registry.get(seed.id()).revision();
        registry.update(seed.id(), macOnly("02:00:00:00:00:02"), Precondition.NONE);
        assertThat(registry.get(seed.id()).revision()).isNotEqualTo(stale);
        return stale;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("everyWrite")
    @DisplayName("a write with a stale If-Match revision is PreconditionFailedException and changes nothing")
    void givenStaleRevision_write_preconditionFailedAndNothingChanged(
            BiConsumer<HypervisorService, Precondition> write) {
        long stale = seededWithStaleRevision();
        List<KeyValue> before = everything();
        store.resetCounts();

        assertThatThrownBy(() -> write.accept(registry, Precondition.oneOf(Set.of(stale))))
                .isInstanceOf(PreconditionFailedException.class);
        assertThat(everything()).isEqualTo(before);
        assertThat(store.commits).hasValue(0);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("everyWrite")
    @DisplayName("a write whose If-Match names the current revision (among others) succeeds")
    void givenCurrentRevision_write_succeeds(BiConsumer<HypervisorService, Precondition> write) {
        long stale = seededWithStaleRevision();
        long current = registry.get(TestHypervisors.seedId()).revision();
        List<KeyValue> before = everything();

        write.accept(registry, Precondition.oneOf(Set.of(stale, current)));

        assertThat(everything()).isNotEqualTo(before);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("everyWrite")
    @DisplayName("a write with If-Match * on an existing record succeeds")
    void givenAnyRevision_write_succeeds(BiConsumer<HypervisorService, Precondition> write) {
        seededWithStaleRevision();
        List<KeyValue> before = everything();

        write.accept(registry, Precondition.ANY);

        assertThat(everything()).isNotEqualTo(before);
    }

    // ---- concurrency and store limits -----------------------------------------------------------

    @Test
    @DisplayName("concurrent updates of ip and mac from two threads never lose a change")
    void concurrentUpdatesOfDifferentFieldsNeverLoseAChange() throws Exception {
        Hypervisor seed = seeded();
        int rounds = 200;
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < rounds; round++) {
                CyclicBarrier start = new CyclicBarrier(2);
                String ip = "10.0." + (round / 256) + "." + (round % 256);
                String mac = String.format("02:00:00:00:%02x:%02x", round / 256, round % 256);
                Future<?> a = pool.submit(() -> {
                    start.await(60, TimeUnit.SECONDS);
                    return registry.update(seed.id(), ipOnly(ip), Precondition.NONE);
                });
                Future<?> b = pool.submit(() -> {
                    start.await(60, TimeUnit.SECONDS);
                    return registry.update(seed.id(), macOnly(mac), Precondition.NONE);
                });
                a.get(60, TimeUnit.SECONDS);
                b.get(60, TimeUnit.SECONDS);
                Hypervisor now = registry.get(seed.id()).value();
                assertThat(now.ip().value()).as("ip after round %d", round).isEqualTo(ip);
                assertThat(now.mac().value()).as("mac after round %d", round).isEqualTo(mac);
                assertThat(now.metadata()).isEqualTo(seed.metadata());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    @DisplayName("a commit that conflicts forever ends in ConflictException after a bounded number of attempts")
    void endlessConflictIsConflictException() {
        Hypervisor seed = seeded();
        List<KeyValue> before = everything();
        store.resetCounts();
        store.hook = (txn, delegate) -> TxnResult.conflict();

        assertThatThrownBy(() -> registry.update(seed.id(), ipOnly("10.4.4.4"), Precondition.NONE))
                .isInstanceOf(ConflictException.class);

        assertThat(store.commits.get()).isEqualTo(HypervisorRegistry.MAX_ATTEMPTS).isBetween(2, 100);
        assertThat(store.reads.get()).isEqualTo(HypervisorRegistry.MAX_ATTEMPTS);
        assertThat(everything()).isEqualTo(before);
    }

    @Test
    @DisplayName("the conflict listener is told only of lost races that are actually retried")
    void conflictListenerCountsOnlyRetries() {
        Hypervisor seed = seeded();
        store.hook = (txn, delegate) -> TxnResult.conflict();

        assertThatThrownBy(() -> registry.update(seed.id(), ipOnly("10.4.4.4"), Precondition.NONE))
                .isInstanceOf(ConflictException.class);

        assertThat(retries).hasValue(HypervisorRegistry.MAX_ATTEMPTS - 1);
    }

    @Test
    @DisplayName("one lost race is retried once from a fresh read and then succeeds")
    void oneLostRaceIsRetried() {
        Hypervisor seed = seeded();
        store.resetCounts();
        AtomicBoolean lost = new AtomicBoolean();
        store.hook = (txn, delegate) -> lost.compareAndSet(false, true) ? TxnResult.conflict() : delegate.commit(txn);

        registry.update(seed.id(), ipOnly("10.5.5.5"), Precondition.NONE);

        assertThat(store.reads).hasValue(2);
        assertThat(store.commits).hasValue(2);
        assertThat(retries).hasValue(1);
        assertThat(registry.get(seed.id()).value().ip().value()).isEqualTo("10.5.5.5");
    }

    @Test
    @DisplayName("a change needing more operations than the store takes in one transaction is InvalidInputException and writes nothing")
    void overTxnLimitIsInvalidInput() {
        Hypervisor seed = seeded();
        List<KeyValue> before = everything();
        store.resetCounts();
        store.maxTxnOperations = 3; // guard + 2 writes fit, guard + 3 do not

        assertThatThrownBy(() -> registry.updateConfig(seed.id(), config("a", "1", "b", "2", "c", "3"),
                        Precondition.NONE))
                .isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> registry.addSubnets(seed.id(), Map.of(SUBNET_1, new BridgeName("br1"),
                        SUBNET_2, new BridgeName("br2"), SUBNET_3, new BridgeName("br3")), Precondition.NONE))
                .isInstanceOf(InvalidInputException.class);
        assertThat(store.commits).hasValue(0);
        assertThat(everything()).isEqualTo(before);

        assertThat(registry.updateConfig(seed.id(), config("a", "1", "b", "2"), Precondition.NONE)).hasSize(2);
    }

    // ---- data written by other daemons ----------------------------------------------------------

    @Test
    @DisplayName("records another daemon wrote in Go's JSON are served by get and list")
    void goWrittenRecordsAreServed() {
        String goId = "0a0b0c0d-0000-4000-8000-000000000001";
        String bareId = "0a0b0c0d-0000-4000-8000-000000000002";
        putRaw("lochness/hypervisors/" + goId + "/metadata",
                "{\"id\":\"" + goId + "\",\"metadata\":null,\"ip\":\"10.0.0.7\",\"netmask\":\"255.255.255.0\","
                        + "\"gateway\":\"10.0.0.1\",\"mac\":\"de:ad:be:ef:00:01\","
                        + "\"total_resources\":{\"memory\":2048,\"disk\":4096,\"cpu\":4},"
                        + "\"available_resources\":{\"memory\":1024,\"disk\":4096,\"cpu\":2},\"extra\":{\"x\":[1]}}");
        putRaw("lochness/hypervisors/" + bareId + "/metadata", "{\"id\":\"" + bareId + "\"}");
        putRaw("lochness/hypervisors/" + bareId + "/heartbeat", "alive");
        putRaw("lochness/hypervisors/not-a-uuid/metadata", "{}");
        putRaw("lochness/hypervisors/metadata", "{}");

        Hypervisor go = new Hypervisor(new HypervisorId(goId), null, new IpAddress("10.0.0.7"),
                new IpAddress("255.255.255.0"), new IpAddress("10.0.0.1"), new MacAddress("de:ad:be:ef:00:01"),
                new io.lochness.chypervisord.domain.model.Resources(2048, 4096, 4),
                new io.lochness.chypervisord.domain.model.Resources(1024, 4096, 2));
        assertThat(registry.get(new HypervisorId(goId)).value()).isEqualTo(go);
        assertThat(registry.get(new HypervisorId(bareId)).value()).isEqualTo(Hypervisor.blank(new HypervisorId(bareId)));
        assertThat(registry.list()).containsExactly(go, Hypervisor.blank(new HypervisorId(bareId)));

        // and such a record can be updated like any other
        registry.update(new HypervisorId(goId), ipOnly("10.0.0.8"), Precondition.NONE);
        assertThat(registry.get(new HypervisorId(goId)).value().totalResources()).isEqualTo(go.totalResources());
    }

    @Test
    @DisplayName("a corrupt record in the store is StoredDataInvalidException on get")
    void corruptStoredRecordIsStoredDataInvalid() {
        putRaw(LochnessLayout.metadata(TestHypervisors.seedId()), "{\"ip\":");
        assertThatThrownBy(() -> registry.get(TestHypervisors.seedId())).isInstanceOf(StoredDataInvalidException.class);
    }

    @Test
    @DisplayName("config, subnets and guests of a hypervisor whose record is corrupt are still served: they need only its existence")
    void subResourcesOfCorruptRecordAreServed() {
        HypervisorId id = TestHypervisors.seedId();
        putRaw(LochnessLayout.metadata(id), "{\"ip\":");
        putRaw(LochnessLayout.config(id, new ConfigKey("dns")), "10.0.0.53");
        putRaw(LochnessLayout.subnet(id, SUBNET_1), "br0");
        putRaw(LochnessLayout.guest(id, "aaaaaaaa-0000-0000-0000-000000000000"), "");

        assertThat(registry.config(id)).containsExactly(Map.entry("dns", "10.0.0.53"));
        assertThat(registry.subnets(id)).containsExactly(Map.entry(SUBNET_1.value(), "br0"));
        assertThat(registry.guests(id)).containsExactly("aaaaaaaa-0000-0000-0000-000000000000");
        assertThatThrownBy(() -> registry.update(id, ipOnly("10.0.0.1"), Precondition.NONE))
                .isInstanceOf(StoredDataInvalidException.class);
    }

    @Test
    @DisplayName("config and subnet keys another daemon wrote are served")
    void rawConfigAndSubnetsAreServed() {
        Hypervisor seed = seeded();
        putRaw("lochness/hypervisors/" + TestHypervisors.SEED_ID + "/config/dns", "10.0.0.53");
        putRaw("lochness/hypervisors/" + TestHypervisors.SEED_ID + "/config/arch", "x86_64");
        putRaw("lochness/hypervisors/" + TestHypervisors.SEED_ID + "/subnets/" + SUBNET_2.value(), "br2");
        putRaw("lochness/hypervisors/" + TestHypervisors.SEED_ID + "/subnets/" + SUBNET_1.value(), "br1");

        assertThat(registry.config(seed.id())).containsExactly(Map.entry("arch", "x86_64"), Map.entry("dns", "10.0.0.53"));
        assertThat(registry.subnets(seed.id())).containsExactly(
                Map.entry(SUBNET_1.value(), "br1"), Map.entry(SUBNET_2.value(), "br2"));
        assertThat(registry.removeSubnet(seed.id(), SUBNET_1, Precondition.NONE))
                .containsExactly(Map.entry(SUBNET_2.value(), "br2"));
        assertThat(registry.updateConfig(seed.id(), config("dns", ""), Precondition.NONE))
                .containsExactly(Map.entry("arch", "x86_64"));
    }
}
