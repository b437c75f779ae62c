package io.lochness.chypervisord.domain.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ResourcesTest {

    @Test
    @DisplayName("memory and disk take 0..2^63-1, cpu takes 0..2^32-1")
    void boundsAreAccepted() {
        Resources max = new Resources(Long.MAX_VALUE, Long.MAX_VALUE, 4_294_967_295L);
        assertThat(max.memory()).isEqualTo(Long.MAX_VALUE);
        assertThat(max.disk()).isEqualTo(Long.MAX_VALUE);
        assertThat(max.cpu()).isEqualTo(Resources.MAX_CPU).isEqualTo(4_294_967_295L);
        assertThat(new Resources(0, 0, 0)).isEqualTo(Resources.ZERO);
    }

    @ParameterizedTest(name = "memory={0} disk={1} cpu={2}")
    @CsvSource({
        "-1, 0, 0",
        "0, -1, 0",
        "0, 0, -1",
        "-9223372036854775808, 0, 0",
        "0, -9223372036854775808, 0",
        "0, 0, 4294967296",
        "0, 0, 9223372036854775807"
    })
    @DisplayName("negative amounts and cpu of 2^32 or more are invalid input")
    void outOfRangeIsInvalid(long memory, long disk, long cpu) {
        assertThatThrownBy(() -> new Resources(memory, disk, cpu)).isInstanceOf(InvalidInputException.class);
    }
}
