package io.lochness.chypervisord.domain.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class ConfigKeyTest {

    @ParameterizedTest
    @ValueSource(strings = {"a", "foo", "FOO.bar-baz_1", "...", ".hidden", "with space", "ünïcödé", "😀", "a:b"})
    @DisplayName("a key without '/' or control characters, other than '.' and '..', is accepted as is")
    void acceptsPlainKeys(String text) {
        assertThat(new ConfigKey(text).value()).isEqualTo(text);
    }

    @Test
    @DisplayName("the length limit is 256 characters counted as code points")
    void lengthLimitIn256CodePoints() {
        assertThat(new ConfigKey("k".repeat(256)).value()).hasSize(256);
        assertThat(new ConfigKey("😀".repeat(256)).value()).hasSize(512); // 256 code points, 512 chars
        assertThatThrownBy(() -> new ConfigKey("k".repeat(257))).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> new ConfigKey("😀".repeat(257))).isInstanceOf(InvalidInputException.class);
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {
        ".", "..", "../metadata", "a/b", "/", "/a", "a/", "tab\tkey", "new\nline", "nul\u0000", "del\u007f",
        "c1\u0085", "\uD83D", "a\uDE00", "\uD83Da"
    })
    @DisplayName("empty, '.', '..', '/' and control characters (and broken UTF-16) are invalid input")
    void rejectsBadKeys(String text) {
        assertThatThrownBy(() -> new ConfigKey(text)).isInstanceOf(InvalidInputException.class);
    }

    @Test
    @DisplayName("keys order by their text")
    void ordersByText() {
        assertThat(new ConfigKey("a")).isLessThan(new ConfigKey("b"));
    }
}
