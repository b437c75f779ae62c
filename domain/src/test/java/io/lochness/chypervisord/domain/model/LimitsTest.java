package io.lochness.chypervisord.domain.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class LimitsTest {
    @ParameterizedTest
    @ValueSource(strings = {"", "abc", "caf\u00e9", "\u20ac", "\ud83d\ude00", "a\ud83d\ude00\u00e9z"})
    void utf8Length_isTheEncodedLength(String s) {
        assertThat(Limits.utf8Length(s)).isEqualTo(s.getBytes(StandardCharsets.UTF_8).length);
    }

    @Test
    void aPatchWithMetadataOverALimit_cannotExist() {
        Map<String, String> many = new LinkedHashMap<>();
        for (int i = 0; i <= Limits.METADATA_ENTRIES; i++) {
            many.put("k" + i, "v");
        }
        assertThatThrownBy(() -> new HypervisorPatch(null, many, null, null, null, null, null, null))
                .isInstanceOf(LimitExceededException.class)
                .hasMessageContaining("metadata entries").hasMessageContaining(Integer.toString(Limits.METADATA_ENTRIES));
        assertThatThrownBy(() -> new HypervisorPatch(null, Map.of("k".repeat(Limits.METADATA_KEY_BYTES + 1), "v"),
                null, null, null, null, null, null))
                .isInstanceOf(LimitExceededException.class).hasMessageContaining("metadata key");
        assertThatThrownBy(() -> new HypervisorPatch(null, Map.of("k", "\u00e9".repeat(Limits.METADATA_VALUE_BYTES / 2 + 1)),
                null, null, null, null, null, null))
                .isInstanceOf(LimitExceededException.class).hasMessageContaining("metadata value");
        many.remove("k0");
        assertThatCode(() -> new HypervisorPatch(null, many, null, null, null, null, null, null)).doesNotThrowAnyException();
    }

    @Test
    void configAndSubnetChanges_areCheckedAgainstTheirLimits() {
        assertThatCode(() -> Limits.checkConfigChanges(Map.of(new ConfigKey("a"), "x".repeat(Limits.CONFIG_VALUE_BYTES))))
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> Limits.checkConfigChanges(Map.of(new ConfigKey("a"), "x".repeat(Limits.CONFIG_VALUE_BYTES + 1))))
                .isInstanceOf(LimitExceededException.class).hasMessageContaining("config value");
        Map<ConfigKey, String> keys = new LinkedHashMap<>();
        Map<SubnetId, BridgeName> subnets = new LinkedHashMap<>();
        for (int i = 0; i <= Limits.CONFIG_KEYS_PER_REQUEST; i++) {
            keys.put(new ConfigKey("k" + i), "v");
        }
        for (int i = 0; i <= Limits.SUBNETS_PER_REQUEST; i++) {
            subnets.put(new SubnetId(UUID.randomUUID().toString()), new BridgeName("br0"));
        }
        assertThatThrownBy(() -> Limits.checkConfigChanges(keys)).isInstanceOf(LimitExceededException.class)
                .hasMessageContaining("config keys");
        assertThatThrownBy(() -> Limits.checkSubnetChanges(subnets)).isInstanceOf(LimitExceededException.class)
                .hasMessageContaining("subnets");
    }
}
