package io.lochness.chypervisord.domain.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lochness.chypervisord.domain.TestHypervisors;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class HypervisorTest {

    @Test
    @DisplayName("metadata is held sorted by key, whatever order it was given in")
    void metadataIsSorted() {
        Map<String, String> given = new LinkedHashMap<>();
        given.put("zeta", "1");
        given.put("alpha", "2");
        given.put("Mid", "3");
        Hypervisor h = TestHypervisors.builder().metadata(given).build();
        assertThat(h.metadata().keySet()).containsExactly("Mid", "alpha", "zeta");
    }

    @Test
    @DisplayName("metadata is unmodifiable and a copy of the caller's map")
    void metadataIsUnmodifiableCopy() {
        Map<String, String> given = new HashMap<>(Map.of("a", "1"));
        Hypervisor h = TestHypervisors.builder().metadata(given).build();
        Hypervisor direct = new Hypervisor(TestHypervisors.seedId(), given, null, null, null, null, null, null);
        given.put("b", "2");
        assertThat(direct.metadata()).containsExactly(Map.entry("a", "1"));
        assertThatThrownBy(() -> h.metadata().put("x", "y")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> TestHypervisors.seed().metadata().put("x", "y"))
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    @DisplayName("null fields become empty metadata, unset addresses and zero resources")
    void nullFieldsBecomeUnset() {
        Hypervisor h = new Hypervisor(TestHypervisors.seedId(), null, null, null, null, null, null, null);
        assertThat(h.metadata()).isEmpty();
        assertThat(h.ip()).isEqualTo(IpAddress.UNSET);
        assertThat(h.netmask()).isEqualTo(IpAddress.UNSET);
        assertThat(h.gateway()).isEqualTo(IpAddress.UNSET);
        assertThat(h.mac()).isEqualTo(MacAddress.UNSET);
        assertThat(h.totalResources()).isEqualTo(Resources.ZERO);
        assertThat(h.availableResources()).isEqualTo(Resources.ZERO);
        assertThat(h).isEqualTo(Hypervisor.blank(TestHypervisors.seedId()));
    }

    @Test
    @DisplayName("a record needs an id; null metadata keys or values are invalid input")
    void idRequiredAndMetadataStrings() {
        assertThatThrownBy(() -> new Hypervisor(null, null, null, null, null, null, null, null))
                .isInstanceOf(NullPointerException.class);
        Map<String, String> nullValue = new HashMap<>();
        nullValue.put("k", null);
        assertThatThrownBy(() -> TestHypervisors.builder().metadata(nullValue).build())
                .isInstanceOf(InvalidInputException.class);
    }

    @Test
    @DisplayName("a patch replaces the given fields only and never the id")
    void patchReplacesGivenFieldsOnly() {
        Hypervisor seed = TestHypervisors.builder().meta("a", "1").build();
        HypervisorPatch patch = new HypervisorPatch(
                HypervisorId.random(), null, new IpAddress("10.0.0.9"), null, null, null,
                new Resources(1, 2, 3), null);
        Hypervisor patched = patch.applyTo(seed);
        assertThat(patched).isEqualTo(TestHypervisors.builder()
                .meta("a", "1")
                .ip("10.0.0.9")
                .totalResources(1, 2, 3)
                .build());
        assertThat(HypervisorPatch.EMPTY.applyTo(seed)).isEqualTo(seed);
    }

    @Test
    @DisplayName("a patch's metadata replaces the whole map; an empty map clears it")
    void patchMetadataReplacesWholeMap() {
        Hypervisor seed = TestHypervisors.builder().meta("a", "1").meta("b", "2").build();
        assertThat(TestHypervisors.metadataOnly(Map.of("c", "3")).applyTo(seed).metadata())
                .containsExactly(Map.entry("c", "3"));
        assertThat(TestHypervisors.metadataOnly(Map.of()).applyTo(seed).metadata()).isEmpty();
    }
}
