package io.lochness.chypervisord.domain.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class IpAddressTest {

    @Test
    @DisplayName("the empty string is the unset address")
    void emptyIsUnset() {
        assertThat(new IpAddress("")).isEqualTo(IpAddress.UNSET);
        assertThat(IpAddress.UNSET.isSet()).isFalse();
        assertThat(IpAddress.UNSET.value()).isEmpty();
        assertThat(new IpAddress("1.2.3.4").isSet()).isTrue();
    }

    @Test
    @DisplayName("null is invalid input, not unset")
    void nullIsInvalid() {
        assertThatThrownBy(() -> new IpAddress(null)).isInstanceOf(InvalidInputException.class);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "10.100.101.35                 | 10.100.101.35",
        "0.0.0.0                       | 0.0.0.0",
        "255.255.255.255               | 255.255.255.255",
        "2001:DB8:0:0:0:0:0:1          | 2001:db8::1",
        "2001:0db8:0000:0000:0000:0000:0000:0001 | 2001:db8::1",
        "::ffff:1.2.3.4                | 1.2.3.4",
        "::FFFF:102:304                | 1.2.3.4",
        "::                            | ::",
        "0:0:0:0:0:0:0:0               | ::",
        "::1                           | ::1",
        "0:0:0:0:0:0:0:1               | ::1",
        "1::                           | 1::",
        "1:0:0:0:0:0:0:0               | 1::",
        "1:0:0:2:0:0:0:3               | 1:0:0:2::3",
        "1:0:0:0:2:0:0:3               | 1::2:0:0:3",
        "1:0:0:2:0:0:3:4               | 1::2:0:0:3:4",
        "1:0:2:3:4:5:6:7               | 1:0:2:3:4:5:6:7",
        "1:2:3:4:5:6:7:0               | 1:2:3:4:5:6:7:0",
        "1:2:3:4:5:6::                 | 1:2:3:4:5:6::",
        "FE80::ABCD:EF01               | fe80::abcd:ef01",
        "::1.2.3.4                     | ::102:304",
        "64:ff9b::192.0.2.33           | 64:ff9b::c000:221",
        "1:2:3:4:5:6:1.2.3.4           | 1:2:3:4:5:6:102:304"
    })
    @DisplayName("addresses read back in canonical (RFC 5952 / Go net.IP) text")
    void canonicalText(String input, String canonical) {
        assertThat(new IpAddress(input).value()).isEqualTo(canonical);
        assertThat(new IpAddress(canonical).value()).as("canonical text is a fixed point").isEqualTo(canonical);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "localhost",
        "example.com",
        "010.0.0.1",          // leading zero
        "1.2.3.04",
        "256.0.0.1",          // octet out of range
        "1.2.3.300",
        "1.2.3",              // too few octets
        "1.2.3.4.5",          // too many
        "1.2.3.",
        ".1.2.3",
        "1..2.3",
        "-1.2.3.4",
        "+1.2.3.4",
        " 1.2.3.4",
        "1.2.3.4 ",
        "1.2.3.4/32",
        "fe80::1%eth0",       // zone
        "fe80::1%1",
        "1::2::3",            // two ::
        ":::",
        "1:::2",
        "1:2:3:4:5:6:7:8:9",  // too many groups
        "1:2:3:4:5:6:7",      // too few without ::
        "1:2:3:4:5:6:7:8::",
        "::1:2:3:4:5:6:7:8",
        "1::2:3:4:5:6:7:8",
        "12345::1",           // group too long
        "g::1",
        ":1::2",
        "1::2:",
        ":",
        "1:2:3:4:5:6:7:1.2.3.4",
        "::ffff:1.2.3",
        "::ffff:010.2.3.4",
        "[::1]",
        "garbage",
        "\u0000"
    })
    @DisplayName("text that is not an IPv4 or IPv6 address is invalid input")
    void rejectsNonAddresses(String text) {
        assertThatThrownBy(() -> new IpAddress(text)).isInstanceOf(InvalidInputException.class);
    }

    @Test
    @DisplayName("parse names the field in the error")
    void parseNamesField() {
        assertThatThrownBy(() -> IpAddress.parse("gateway", "nope"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("gateway: ");
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.2.3.4::", "1.2.3.4::5", "1:1.2.3.4::"})
    @DisplayName("a dotted quad before '::' is invalid input")
    void dottedQuadBeforeGapIsInvalid(String text) {
        assertThatThrownBy(() -> new IpAddress(text)).isInstanceOf(InvalidInputException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"\uFF12\uFF10\uFF10\uFF11:db8::1", "::\u0661", "fe80::\uFF21"})
    @DisplayName("an IPv6 group with non-ASCII digits is invalid input")
    void nonAsciiHexDigitsAreInvalid(String text) {
        assertThatThrownBy(() -> new IpAddress(text)).isInstanceOf(InvalidInputException.class);
    }
}
