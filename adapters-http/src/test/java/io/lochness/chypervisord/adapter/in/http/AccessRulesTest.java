package io.lochness.chypervisord.adapter.in.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lochness.chypervisord.adapter.in.http.AccessRules.Caller;
import io.lochness.chypervisord.adapter.in.http.AccessRules.Role;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AccessRulesTest {
    private static final String READER_TOKEN = "reader-token-1";
    private static final String WRITER_TOKEN = "writer-token-1";

    private static AccessRules rules() {
        return AccessRules.parse(List.of(
                "# who may use chypervisord",
                "",
                "sha256:" + AccessRules.sha256Hex(READER_TOKEN) + ",dashboard,reader",
                "  sha256:" + AccessRules.sha256Hex(WRITER_TOKEN).toUpperCase() + " , lochness-agent , WRITER ",
                "cn:hv-agent-7,agent-7,writer"));
    }

    @Test
    void tokensAndCommonNames_nameTheirCallers() {
        AccessRules r = rules();
        assertThat(r.size()).isEqualTo(3);
        assertThat(r.byToken(READER_TOKEN)).contains(new Caller("dashboard", Role.READER));
        assertThat(r.byToken(WRITER_TOKEN)).contains(new Caller("lochness-agent", Role.WRITER));
        assertThat(r.byToken("nope")).isEmpty();
        assertThat(r.byToken(AccessRules.sha256Hex(READER_TOKEN))).as("the hash is not the token").isEmpty();
        assertThat(r.byCommonName("hv-agent-7")).contains(new Caller("agent-7", Role.WRITER));
        assertThat(r.byCommonName("hv-agent-8")).isEmpty();
    }

    @Test
    void sha256Hex_isTheHashSha256sumPrints() {
        // printf %s abc | sha256sum
        assertThat(AccessRules.sha256Hex("abc")).isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    @ParameterizedTest
    @ValueSource(strings = {"sha256:abc,x,reader", "md5:00,x,reader", "cn:,x,reader", "cn:a,x,admin", "cn:a,,reader",
        "cn:a,x", "cn:a,x,reader,extra", "cn:a,two words,reader"})
    void badLines_areRefusedWithTheirNumber(String line) {
        assertThatThrownBy(() -> AccessRules.parse(List.of("# ok", line)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("line 2: ");
    }
}
