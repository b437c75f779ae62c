package io.lochness.chypervisord.adapter.out.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lochness.chypervisord.adapter.out.kv.memory.InMemoryKeyValueStore;
import io.lochness.chypervisord.adapter.out.kv.spi.Txn;
import io.lochness.chypervisord.domain.TestHypervisors;
import io.lochness.chypervisord.domain.model.ConfigKey;
import io.lochness.chypervisord.domain.model.Hypervisor;
import io.lochness.chypervisord.domain.model.LimitExceededException;
import io.lochness.chypervisord.domain.model.Limits;
import io.lochness.chypervisord.domain.model.Precondition;
import io.lochness.chypervisord.domain.model.StoredDataInvalidException;
import io.lochness.chypervisord.domain.service.HypervisorRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What one hypervisor may hold in the store, checked before writing, with the view on and off. */
class AggregateLimitsTest {
    private final InMemoryKeyValueStore store = new InMemoryKeyValueStore();
    private RegistryView view;

    @AfterEach
    void close() {
        if (view != null) {
            view.close();
        }
    }

    private HypervisorRegistry registry(boolean withView) {
        if (withView) {
            view = new RegistryView(store, 1000, Duration.ofSeconds(5));
            view.start();
            long giveUp = System.nanoTime() + 60_000_000_000L;
            while (view.state() != RegistryView.State.READY) {
                assertThat(System.nanoTime()).isLessThan(giveUp);
                java.util.concurrent.locks.LockSupport.parkNanos(1_000_000); // not a spin: leave the cores to the view
            }
        }
        return new HypervisorRegistry(new KvHypervisorRepository(store, view));
    }

    private static Map<ConfigKey, String> keys(int from, int count, int valueBytes) {
        Map<ConfigKey, String> out = new TreeMap<>();
        for (int i = from; i < from + count; i++) {
            out.put(new ConfigKey("k" + i), "v".repeat(valueBytes));
        }
        return out;
    }

    @ParameterizedTest(name = "view={0}")
    @ValueSource(booleans = {true, false})
    @DisplayName("config keys past the per-hypervisor limit are refused with 413, naming it, and nothing is written")
    void configKeysLimit(boolean withView) {
        HypervisorRegistry registry = registry(withView);
        Hypervisor h = TestHypervisors.withRandomId().build();
        registry.create(TestHypervisors.patchOf(h));
        for (int from = 0; from < Limits.CONFIG_KEYS_PER_HYPERVISOR; from += 128) {
            registry.updateConfig(h.id(), keys(from, 128, 1), Precondition.NONE);
        }
        assertThat(registry.config(h.id())).hasSize(Limits.CONFIG_KEYS_PER_HYPERVISOR);
        assertThatThrownBy(() -> registry.updateConfig(h.id(), keys(5_000, 1, 1), Precondition.NONE))
                .isInstanceOf(LimitExceededException.class).hasMessageContaining("config keys")
                .hasMessageContaining(Integer.toString(Limits.CONFIG_KEYS_PER_HYPERVISOR));
        assertThat(registry.config(h.id())).hasSize(Limits.CONFIG_KEYS_PER_HYPERVISOR);
        // Changing existing keys and removing some is still allowed.
        registry.updateConfig(h.id(), Map.of(new ConfigKey("k0"), "changed", new ConfigKey("k1"), ""), Precondition.NONE);
        assertThat(registry.config(h.id())).hasSize(Limits.CONFIG_KEYS_PER_HYPERVISOR - 1).containsEntry("k0", "changed");
    }

    @ParameterizedTest(name = "view={0}")
    @ValueSource(booleans = {true, false})
    @DisplayName("bytes across a hypervisor's keys past the limit are refused with 413; shrinking is allowed")
    void bytesLimit(boolean withView) {
        HypervisorRegistry registry = registry(withView);
        Hypervisor h = TestHypervisors.withRandomId().build();
        registry.create(TestHypervisors.patchOf(h));
        int value = Limits.CONFIG_VALUE_BYTES - 16;
        int fit = (int) (Limits.HYPERVISOR_BYTES / (value + 8));
        for (int i = 0; i < fit; i++) {
            registry.updateConfig(h.id(), keys(i, 1, value), Precondition.NONE);
        }
        assertThatThrownBy(() -> registry.updateConfig(h.id(), keys(fit, 1, value), Precondition.NONE))
                .isInstanceOf(LimitExceededException.class).hasMessageContaining("bytes of hypervisor");
        assertThatThrownBy(() -> registry.updateConfig(h.id(), keys(fit, 1, value),
                        Precondition.oneOf(java.util.Set.of(registry.get(h.id()).revision()))))
                .as("with If-Match: read and checked exactly").isInstanceOf(LimitExceededException.class);
        registry.updateConfig(h.id(), Map.of(new ConfigKey("k0"), ""), Precondition.NONE);
        assertThat(registry.config(h.id())).hasSize(fit - 1);
    }

    @ParameterizedTest(name = "view={0}")
    @ValueSource(booleans = {true, false})
    @DisplayName("a hypervisor written around the limits straight in the store answers an error for itself; the others and the list are served")
    void oversizeWrittenAround(boolean withView) {
        HypervisorRegistry registry = registry(withView);
        Hypervisor good = TestHypervisors.withRandomId().build();
        registry.create(TestHypervisors.patchOf(good));
        Hypervisor big = TestHypervisors.withRandomId().build();
        registry.create(TestHypervisors.patchOf(big));
        List<Txn.Mutation> puts = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            puts.add(new Txn.Put(LochnessLayout.configPrefix(big.id()) + "huge" + i, "x".repeat(1 << 20)));
        }
        store.commit(new Txn(List.of(), puts));
        assertThatThrownBy(() -> registry.get(big.id())).isInstanceOf(StoredDataInvalidException.class)
                .hasMessageContaining("shrink it");
        assertThatThrownBy(() -> registry.config(big.id())).isInstanceOf(StoredDataInvalidException.class);
        assertThat(registry.get(good.id()).value()).isEqualTo(good);
        assertThat(registry.list()).contains(good);
    }
}
