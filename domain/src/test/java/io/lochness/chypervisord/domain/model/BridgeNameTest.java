package io.lochness.chypervisord.domain.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.DisplayName;

class BridgeNameTest {

    @ParameterizedTest
    @ValueSource(strings = {"b", "br0", "mistify0", "br-int.100", "abcdefghijklmno", "..."})
    @DisplayName("a name of 1 to 15 characters without '/' or white space is accepted as is")
    void acceptsInterfaceNames(String text) {
        assertThat(new BridgeName(text).value()).isEqualTo(text);
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {
        "abcdefghijklmnop", // 16 characters
        ".", "..", "br/0", "/", "br 0", " br0", "br0 ", "br\t0", "br\n0", "br\u00a00", "br\u2003", "br\u0000", "br:0"
    })
    @DisplayName("empty, longer than 15, '/', ':', white space, '.' and '..' are invalid input")
    void rejectsBadNames(String text) {
        assertThatThrownBy(() -> new BridgeName(text)).isInstanceOf(InvalidInputException.class);
    }

    @org.junit.jupiter.api.Test
    @DisplayName("a bridge name is limited to 15 bytes of UTF-8, as the kernel counts IFNAMSIZ")
    void bridgeNameLimitIsInBytes() {
        assertThat(new BridgeName("\u00fc".repeat(7)).value()).hasSize(7);
        assertThatThrownBy(() -> new BridgeName("\u00fc".repeat(8)))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("bytes");
    }
}
