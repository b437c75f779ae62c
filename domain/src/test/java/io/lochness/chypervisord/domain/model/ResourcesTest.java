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

    @Test
    @DisplayName("memory and disk take the whole unsigned 64-bit range: the long's bits read unsigned")
    void memoryAndDiskAreUnsigned64() {
        Resources wrapped = new Resources(-1L, Long.MIN_VALUE, 0);
        assertThat(Long.toUnsignedString(wrapped.memory())).isEqualTo("18446744073709551615");
        assertThat(Long.toUnsignedString(wrapped.disk())).isEqualTo("9223372036854775808");
        assertThat(wrapped.toString()).contains("18446744073709551615", "9223372036854775808");
    }

    @Test
    @DisplayName("atLeast compares unsigned: 2^64-1 is more than 2^63-1, and cpu plainly")
    void atLeastIsUnsigned() {
        Resources big = new Resources(-1L, -1L, 4);
        Resources small = new Resources(Long.MAX_VALUE, 0, 4);
        assertThat(big.atLeast(small)).isTrue();
        assertThat(small.atLeast(big)).isFalse();
        assertThat(big.atLeast(new Resources(0, 0, 5))).isFalse();
    }

    @ParameterizedTest(name = "cpu={0}")
    @CsvSource({"-1", "4294967296", "9223372036854775807", "-9223372036854775808"})
    @DisplayName("cpu below 0 or of 2^32 or more is invalid input")
    void cpuOutOfRangeIsInvalid(long cpu) {
        assertThatThrownBy(() -> new Resources(0, 0, cpu)).isInstanceOf(InvalidInputException.class);
    }

    @ParameterizedTest(name = "memory={0} disk={1} cpu={2}")
    @CsvSource({"0, 0, 4294967296", "-1, -1, 4294967296"})
    @DisplayName("an out-of-range cpu is invalid whatever memory and disk hold")
    void outOfRangeIsInvalid(long memory, long disk, long cpu) {
        assertThatThrownBy(() -> new Resources(memory, disk, cpu)).isInstanceOf(InvalidInputException.class);
    }
}
