package io.lochness.chypervisord.domain.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class MacAddressTest {

    @Test
    @DisplayName("the empty string is the unset address; null is invalid input")
    void emptyIsUnset() {
        assertThat(new MacAddress("")).isEqualTo(MacAddress.UNSET);
        assertThat(MacAddress.UNSET.isSet()).isFalse();
        assertThat(new MacAddress("01:23:45:67:89:ab").isSet()).isTrue();
        assertThatThrownBy(() -> new MacAddress(null)).isInstanceOf(InvalidInputException.class);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "01:23:45:67:89:ab | 01:23:45:67:89:ab",
        "01:23:45:67:89:AB | 01:23:45:67:89:ab",
        "01-23-45-67-89-AB | 01:23:45:67:89:ab",
        "0123.4567.89ab    | 01:23:45:67:89:ab",
        "0123.4567.89AB    | 01:23:45:67:89:ab",
        "02:00:5e:10:00:00:00:01 | 02:00:5e:10:00:00:00:01",
        "02-00-5E-10-00-00-00-01 | 02:00:5e:10:00:00:00:01",
        "0200.5e10.0000.0001 | 02:00:5e:10:00:00:00:01",
        "00:00:00:00:fe:80:00:00:00:00:00:00:02:00:5e:10:00:00:00:01 | 00:00:00:00:fe:80:00:00:00:00:00:00:02:00:5e:10:00:00:00:01",
        "00-00-00-00-FE-80-00-00-00-00-00-00-02-00-5E-10-00-00-00-01 | 00:00:00:00:fe:80:00:00:00:00:00:00:02:00:5e:10:00:00:00:01",
        "0000.0000.fe80.0000.0000.0000.0200.5e10.0000.0001 | 00:00:00:00:fe:80:00:00:00:00:00:00:02:00:5e:10:00:00:00:01"
    })
    @DisplayName("6-, 8- and 20-octet addresses in every Go form read back lowercase with colons")
    void canonicalText(String input, String canonical) {
        assertThat(new MacAddress(input).value()).isEqualTo(canonical);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "01:23:45:67:89",                 // 5 octets
        "01:23:45:67:89:ab:cd",           // 7 octets
        "01:23:45:67:89:ab:cd:ef:01",     // 9 octets
        "0123.4567",                      // 4 octets
        "0123.4567.89ab.cdef.0123",       // 10 octets
        "01:23:45:67:89:ag",              // bad hex
        "0g:23:45:67:89:ab",
        "0123.4567.89ag",
        "01:23:45-67-89-ab",              // mixed separators
        "01-23-45:67:89:ab",
        "0123.4567:89ab",
        "01:23:45:67:89:ab:",             // trailing separator
        ":01:23:45:67:89:ab",
        "1:23:45:67:89:ab",               // short group
        "001:23:45:67:89:ab",
        "012:345:678:9ab",
        "0123456789ab",                   // no separators
        "01 23 45 67 89 ab",
        "01:23:45:67:89:ab ",
        "garbage"
    })
    @DisplayName("text that is not a hardware address is invalid input")
    void rejectsNonAddresses(String text) {
        assertThatThrownBy(() -> new MacAddress(text)).isInstanceOf(InvalidInputException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"01:23:45:67:89:\u0664\u0665", "01:23:45:67:89:\uFF21\uFF22"})
    @DisplayName("a hardware address with non-ASCII digits is invalid input")
    void nonAsciiHexDigitsAreInvalid(String text) {
        assertThatThrownBy(() -> new MacAddress(text)).isInstanceOf(InvalidInputException.class);
    }
}
