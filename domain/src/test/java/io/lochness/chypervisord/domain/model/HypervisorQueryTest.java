package io.lochness.chypervisord.domain.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HypervisorQueryTest {
    static final HypervisorId ID = new HypervisorId("abcd1234-abcd-1234-abcd-1234abcd1234");
    static final String SUBNET = "c6430cba-648a-41aa-aee4-b59dacfc790d";
    static final Hypervisor RECORD = new Hypervisor(ID, Map.of("rack", "r1", "row", "2"), new IpAddress("10.0.0.1"),
            null, null, new MacAddress("01:23:45:67:89:ab"), null, new Resources(-1L, 1000, 4));

    private static HypervisorQuery parse(String... pairs) {
        List<Map.Entry<String, String>> params = new ArrayList<>();
        for (String p : pairs) {
            int eq = p.indexOf('=');
            params.add(Map.entry(p.substring(0, eq), p.substring(eq + 1)));
        }
        return HypervisorQuery.parse(params);
    }

    private static boolean matches(HypervisorQuery q) {
        return q.matches(RECORD, Set.of(SUBNET), true);
    }

    @ParameterizedTest(name = "{0} matches: {1}")
    @CsvSource(delimiter = '|', value = {
        "ip=10.0.0.1|true", "ip=10.0.0.2|false",
        "mac=01-23-45-67-89-AB|true", "mac=0123.4567.89ac|false",
        "metadata.rack=r1|true", "metadata.rack=r2|false", "metadata.nope=r1|false",
        "alive=true|true", "alive=false|false",
        "min_available_memory=18446744073709551615|true", "min_available_memory=9223372036854775808|true",
        "min_available_disk=1000|true", "min_available_disk=1001|false",
        "min_available_cpu=4|true", "min_available_cpu=5|false",
        "subnet=C6430CBA-648A-41AA-AEE4-B59DACFC790D|true", "subnet=d6430cba-648a-41aa-aee4-b59dacfc790d|false"})
    void eachFilter(String parameter, boolean expected) {
        assertThat(matches(parse(parameter))).isEqualTo(expected);
    }

    @Test
    @DisplayName("repeated metadata filters must all hold")
    void metadataAll() {
        assertThat(matches(parse("metadata.rack=r1", "metadata.row=2"))).isTrue();
        assertThat(matches(parse("metadata.rack=r1", "metadata.row=3"))).isFalse();
    }

    @Test
    @DisplayName("memory compares unsigned: a wrapped value is the most, a small floor does not exclude it")
    void unsignedMemory() {
        Hypervisor small = new Hypervisor(ID, Map.of(), null, null, null, null, null, new Resources(5, 0, 0));
        HypervisorQuery q = parse("min_available_memory=9223372036854775808");
        assertThat(q.matches(small, Set.of(), false)).isFalse();
        assertThat(matches(q)).isTrue();
    }

    @ParameterizedTest(name = "{0} fails naming {1}")
    @CsvSource(delimiter = '|', value = {
        "ipp=1|ipp", "ip=300.0.0.1|ip", "ip=|ip", "mac=xx|mac", "alive=1|alive",
        "min_available_memory=-1|min_available_memory", "min_available_memory=18446744073709551616|min_available_memory",
        "min_available_disk=+5|min_available_disk", "min_available_cpu=4294967296|min_available_cpu",
        "subnet=x|subnet", "limit=0|limit", "limit=10001|limit", "limit=1.5|limit", "after=x|after",
        "metadata.=v|metadata."})
    void badValues(String parameter, String named) {
        assertThatThrownBy(() -> parse(parameter)).isInstanceOf(InvalidInputException.class).hasMessageContaining(named);
    }

    @Test
    @DisplayName("a single-valued parameter given twice fails; a metadata key with two values too")
    void repeated() {
        assertThatThrownBy(() -> parse("limit=5", "limit=5")).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("limit").hasMessageContaining("more than once");
        assertThatThrownBy(() -> parse("metadata.a=1", "metadata.a=2")).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("metadata.a");
    }

    @Test
    @DisplayName("limit 1..10000 and after make a page; no parameters filter nothing")
    void pages() {
        HypervisorQuery q = parse("limit=10000", "after=ABCD1234-ABCD-1234-ABCD-1234ABCD1234");
        assertThat(q.paged()).isTrue();
        assertThat(q.limit()).isEqualTo(10_000);
        assertThat(q.isAfterStart(ID)).isFalse();
        assertThat(q.isAfterStart(new HypervisorId("bbcd1234-abcd-1234-abcd-1234abcd1234"))).isTrue();
        assertThat(q.filters()).isFalse();
        assertThat(q.unpaged().paged()).isFalse();
        assertThat(HypervisorQuery.parse(List.of())).isEqualTo(HypervisorQuery.ALL);
        assertThat(matches(HypervisorQuery.ALL)).isTrue();
    }
}
