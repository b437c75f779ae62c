package io.lochness.chypervisord.domain.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.UUID;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

/** HypervisorId and SubnetId: UUIDs in any case, held lowercase. */
class IdsTest {

    @ParameterizedTest
    @ValueSource(strings = {
        "abcd1234-abcd-1234-abcd-1234abcd1234",
        "ABCD1234-ABCD-1234-ABCD-1234ABCD1234",
        "AbCd1234-aBcD-1234-ABcd-1234abCD1234"
    })
    @DisplayName("a hypervisor id in any case is held lowercase")
    void hypervisorIdIsHeldLowercase(String text) {
        assertThat(new HypervisorId(text).value()).isEqualTo("abcd1234-abcd-1234-abcd-1234abcd1234");
        assertThat(new HypervisorId(text)).isEqualTo(new HypervisorId("abcd1234-abcd-1234-abcd-1234abcd1234"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "0F0E0D0C-0B0A-0908-0706-050403020100",
        "0f0e0d0c-0b0a-0908-0706-050403020100"
    })
    @DisplayName("a subnet id in any case is held lowercase")
    void subnetIdIsHeldLowercase(String text) {
        assertThat(new SubnetId(text).value()).isEqualTo("0f0e0d0c-0b0a-0908-0706-050403020100");
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {
        "abcd1234",
        "abcd1234abcd1234abcd1234abcd1234",            // no dashes
        "{abcd1234-abcd-1234-abcd-1234abcd1234}",      // braces
        "urn:uuid:abcd1234-abcd-1234-abcd-1234abcd1234",
        "abcd1234-abcd-1234-abcd-1234abcd123",         // one digit short
        "abcd1234-abcd-1234-abcd-1234abcd12345",       // one digit long
        "abcd1234-abcd-1234-abcd-1234abcd123g",        // not hex
        "abcd1234_abcd_1234_abcd_1234abcd1234",        // wrong separators
        "abcd123-4abcd-1234-abcd-1234abcd1234",        // dash misplaced
        " abcd1234-abcd-1234-abcd-1234abcd123",        // white space
        "../../../../../../../../../metadata"
    })
    @DisplayName("a hypervisor id that is not a UUID is invalid input")
    void hypervisorIdNotUuidIsInvalid(String text) {
        assertThatThrownBy(() -> new HypervisorId(text)).isInstanceOf(InvalidInputException.class);
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"subnet-1", "abcd1234abcd1234abcd1234abcd1234", "abcd1234-abcd-1234-abcd-1234abcd123z"})
    @DisplayName("a subnet id that is not a UUID is invalid input")
    void subnetIdNotUuidIsInvalid(String text) {
        assertThatThrownBy(() -> new SubnetId(text)).isInstanceOf(InvalidInputException.class);
    }

    @Test
    @DisplayName("random hypervisor ids are distinct lowercase UUIDs")
    void randomIdsAreLowercaseUuids() {
        HypervisorId a = HypervisorId.random();
        HypervisorId b = HypervisorId.random();
        assertThat(a).isNotEqualTo(b);
        assertThat(UUID.fromString(a.value()).toString()).isEqualTo(a.value());
    }

    @Test
    @DisplayName("ids order as their lowercase text")
    void idsCompareByLowercaseText() {
        assertThat(new HypervisorId("BBBBBBBB-0000-0000-0000-000000000000"))
                .isGreaterThan(new HypervisorId("aaaaaaaa-0000-0000-0000-000000000000"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "abcd1234-abcd-1234-abcd-1234abcd123\u0664",
        "ABCD1234-ABCD-1234-ABCD-1234ABCD123\uFF21",
        "\uFF10bcd1234-abcd-1234-abcd-1234abcd1234"
    })
    @DisplayName("a UUID spelled with non-ASCII digits is invalid input")
    void nonAsciiHexDigitsAreNotUuid(String text) {
        assertThatThrownBy(() -> new HypervisorId(text)).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> new SubnetId(text)).isInstanceOf(InvalidInputException.class);
    }
}
