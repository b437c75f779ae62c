package io.lochness.chypervisord.adapter.out.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lochness.chypervisord.domain.TestHypervisors;
import io.lochness.chypervisord.domain.model.Hypervisor;
import io.lochness.chypervisord.domain.model.HypervisorId;
import io.lochness.chypervisord.domain.model.StoredDataInvalidException;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The record JSON stored at {@code lochness/hypervisors/{id}/metadata}. */
class RecordCodecTest {
    private static final HypervisorId ID = TestHypervisors.seedId();
    private static final String KEY = LochnessLayout.metadata(ID);

    private static Hypervisor decode(String json) {
        return RecordCodec.decode(KEY, ID, json);
    }

    @Test
    @DisplayName("the seed record encodes to exactly the seed JSON and decodes back to the seed record")
    void seedRoundTripsByteForByte() {
        assertThat(RecordCodec.encode(TestHypervisors.seed())).isEqualTo(TestHypervisors.SEED_JSON);
        assertThat(decode(TestHypervisors.SEED_JSON)).isEqualTo(TestHypervisors.seed());
        assertThat(RecordCodec.encode(decode(TestHypervisors.SEED_JSON))).isEqualTo(TestHypervisors.SEED_JSON);
    }

    @Test
    @DisplayName("encode writes the fields in Go's order with metadata sorted by key")
    void encodeFieldOrder() {
        Hypervisor h = TestHypervisors.builder()
                .meta("zone", "b").meta("rack", "7")
                .ip("2001:db8::1").netmask("").gateway("").mac("")
                .totalResources(Long.MAX_VALUE, 0, 4_294_967_295L)
                .availableResources(0, 5, 0)
                .build();
        assertThat(RecordCodec.encode(h)).isEqualTo(
                "{\"id\":\"abcd1234-abcd-1234-abcd-1234abcd1234\",\"metadata\":{\"rack\":\"7\",\"zone\":\"b\"},"
                        + "\"ip\":\"2001:db8::1\",\"netmask\":\"\",\"gateway\":\"\",\"mac\":\"\","
                        + "\"total_resources\":{\"memory\":9223372036854775807,\"disk\":0,\"cpu\":4294967295},"
                        + "\"available_resources\":{\"memory\":0,\"disk\":5,\"cpu\":0}}");
    }

    @Test
    @DisplayName("decode ignores fields it does not know, of any JSON type")
    void decodeIgnoresUnknownFields() {
        String json = "{\"id\":\"abcd1234-abcd-1234-abcd-1234abcd1234\",\"future\":{\"a\":[1,2.5e3,true,false,null]},"
                + "\"metadata\":{},\"ip\":\"10.100.101.35\",\"netmask\":\"255.255.255.255\","
                + "\"gateway\":\"10.100.101.35\",\"mac\":\"01:23:45:67:89:ac\",\"flag\":true,"
                + "\"total_resources\":{\"memory\":1024,\"disk\":1024,\"cpu\":1,\"gpu\":3},"
                + "\"available_resources\":{\"memory\":1024,\"disk\":1024,\"cpu\":1},\"n\":-0.5}";
        assertThat(decode(json)).isEqualTo(TestHypervisors.seed());
    }

    @Test
    @DisplayName("decode reads Go's \"metadata\":null and null fields as empty and unset")
    void decodeAcceptsGoNulls() {
        String json = "{\"id\":\"abcd1234-abcd-1234-abcd-1234abcd1234\",\"metadata\":null,\"ip\":null,"
                + "\"netmask\":\"\",\"gateway\":\"\",\"mac\":\"\",\"total_resources\":null,"
                + "\"available_resources\":{\"memory\":null,\"disk\":0,\"cpu\":0}}";
        assertThat(decode(json)).isEqualTo(Hypervisor.blank(ID));
    }

    @Test
    @DisplayName("decode reads missing fields as empty, unset or zero, and takes the id from the key")
    void decodeAcceptsMissingFields() {
        assertThat(decode("{}")).isEqualTo(Hypervisor.blank(ID));
        assertThat(decode(" {\"ip\":\"10.0.0.1\",\"total_resources\":{\"cpu\":2}} \n"))
                .isEqualTo(new Hypervisor(ID, null, new io.lochness.chypervisord.domain.model.IpAddress("10.0.0.1"),
                        null, null, null, new io.lochness.chypervisord.domain.model.Resources(0, 0, 2), null));
    }

    @Test
    @DisplayName("decode canonicalises what another daemon wrote (upper-case id, uncompressed IPv6, dashed MAC)")
    void decodeCanonicalises() {
        String json = "{\"id\":\"ABCD1234-ABCD-1234-ABCD-1234ABCD1234\",\"ip\":\"2001:DB8:0:0:0:0:0:1\","
                + "\"mac\":\"01-23-45-67-89-AC\",\"metadata\":{\"b\":\"2\",\"a\":\"1\"}}";
        Hypervisor h = decode(json);
        assertThat(h.id().value()).isEqualTo(TestHypervisors.SEED_ID);
        assertThat(h.ip().value()).isEqualTo("2001:db8::1");
        assertThat(h.mac().value()).isEqualTo("01:23:45:67:89:ac");
        assertThat(h.metadata().keySet()).containsExactly("a", "b");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "plain",
        "with \"quotes\"",
        "back\\slash \\\\ and \\\"",
        "ünïcödé ✓ 日本語 😀",
        "control \u0000 \u0001 \u001f \b \f \n \r \t end",
        "del \u007f and line separators \u2028 \u2029",
        "</script> & <b> / \\/",
        "{\"json\":[1,2]}",
        ""
    })
    @DisplayName("metadata strings with quotes, backslashes, unicode and control characters round-trip")
    void escapesRoundTrip(String text) {
        Hypervisor h = TestHypervisors.builder().meta(text, text).meta("k", text).build();
        String json = RecordCodec.encode(h);
        for (char c : json.toCharArray()) {
            assertThat(c < 0x20).as("raw control character in %s", json).isFalse();
        }
        assertThat(decode(json)).isEqualTo(h);
        assertThat(RecordCodec.encode(decode(json))).isEqualTo(json);
    }

    @Test
    @DisplayName("decode reads every JSON escape, including Go's \\u003c style and surrogate pairs")
    void decodeReadsEveryEscape() {
        String json = "{\"metadata\":{\"k\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u003c\\u003E\\u0026\\u00e9\\ud83d\\ude00\\u2028\"}}";
        assertThat(decode(json).metadata()).containsExactly(Map.entry("k", "\"\\/\b\f\n\r\t<>&é😀\u2028"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",
        " ",
        "{",
        "}",
        "not json",
        "null",
        "[]",
        "\"a string\"",
        "42",
        "{\"id\":\"abcd1234-abcd-1234-abcd-1234abcd1234\"",
        "{} trailing",
        "{}{}",
        "{\"ip\":\"10.0.0.1\",}",
        "{,}",
        "{'ip':'10.0.0.1'}",
        "{ip:\"10.0.0.1\"}",
        "{\"ip\" \"10.0.0.1\"}",
        "{\"metadata\":{\"k\":\"raw\ttab\"}}",
        "{\"metadata\":{\"k\":\"bad \\x escape\"}}",
        "{\"metadata\":{\"k\":\"short \\u12\"}}",
        "{\"metadata\":{\"k\":\"bad \\u12zz\"}}",
        "{\"metadata\":{\"k\":\"unterminated}}",
        "{\"metadata\":[]}",
        "{\"metadata\":\"a\"}",
        "{\"metadata\":{\"k\":1}}",
        "{\"id\":1}",
        "{\"ip\":1}",
        "{\"ip\":\"not an ip\"}",
        "{\"netmask\":\"010.0.0.1\"}",
        "{\"mac\":\"01:23\"}",
        "{\"mac\":true}",
        "{\"total_resources\":[]}",
        "{\"total_resources\":{\"memory\":-1}}",
        "{\"total_resources\":{\"memory\":1.5}}",
        "{\"total_resources\":{\"memory\":1e3}}",
        "{\"total_resources\":{\"memory\":\"1024\"}}",
        "{\"total_resources\":{\"memory\":18446744073709551616}}",
        "{\"available_resources\":{\"cpu\":4294967296}}",
        "{\"available_resources\":{\"disk\":01}}",
        "{\"available_resources\":{\"disk\":-}}",
        "{\"available_resources\":{\"disk\":+1}}",
        "{\"x\":tru}",
        "{\"x\":nul}",
        "{\"x\":[1,]}",
        "{\"x\":1.}",
        "{\"x\":1e}",
        "{\"x\":.5}"
    })
    @DisplayName("corrupt or invalid stored JSON is StoredDataInvalidException")
    void corruptJsonIsStoredDataInvalid(String json) {
        assertThatThrownBy(() -> decode(json)).isInstanceOf(StoredDataInvalidException.class);
    }

    @Test
    @DisplayName("deeply nested JSON is refused as invalid stored data, not a stack overflow")
    void deepNestingIsStoredDataInvalid() {
        String json = "{\"x\":" + "[".repeat(10_000) + "]".repeat(10_000) + "}";
        assertThatThrownBy(() -> decode(json)).isInstanceOf(StoredDataInvalidException.class);
    }

    @Test
    @DisplayName("a stored id that disagrees with the key is StoredDataInvalidException; case does not matter")
    void idMustAgreeWithKey() {
        String other = TestHypervisors.SEED_JSON.replace(TestHypervisors.SEED_ID, "00000000-0000-0000-0000-000000000000");
        assertThatThrownBy(() -> decode(other))
                .isInstanceOf(StoredDataInvalidException.class)
                .hasMessageContaining(KEY);
        assertThat(decode(TestHypervisors.SEED_JSON.replace(TestHypervisors.SEED_ID, TestHypervisors.SEED_ID.toUpperCase())))
                .isEqualTo(TestHypervisors.seed());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"total_resources\":{\"memory\":1\u0662}}",
        "{\"total_resources\":{\"memory\":1\uFF11}}",
        "{\"metadata\":{\"k\":\"\\u00\uFF21\uFF21\"}}"
    })
    @DisplayName("numbers and \\u escapes with non-ASCII digits are corrupt JSON")
    void nonAsciiDigitsAreCorruptJson(String json) {
        assertThatThrownBy(() -> decode(json)).isInstanceOf(StoredDataInvalidException.class);
    }

    @Test
    @DisplayName("metadata keys are written in Go's (UTF-8 byte) order")
    void metadataKeysInGoOrder() {
        Hypervisor h = TestHypervisors.builder().meta("\uD83D\uDE00", "emoji").meta("\uFFFD", "replacement").build();
        assertThat(RecordCodec.encode(h)).contains("\"metadata\":{\"\uFFFD\":\"replacement\",\"\uD83D\uDE00\":\"emoji\"}");
    }

    @Test
    @DisplayName("'<', '>' and '&' are escaped as Go's encoder escapes them")
    void htmlCharactersEscapedAsGo() {
        Hypervisor h = TestHypervisors.builder().meta("k", "<a&b>").build();
        assertThat(RecordCodec.encode(h)).contains("\"metadata\":{\"k\":\"\\u003ca\\u0026b\\u003e\"}");
    }
}
