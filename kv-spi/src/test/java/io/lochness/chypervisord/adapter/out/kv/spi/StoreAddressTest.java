package io.lochness.chypervisord.adapter.out.kv.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lochness.chypervisord.adapter.out.kv.spi.StoreAddress.Endpoint;
import io.lochness.chypervisord.adapter.out.kv.spi.StoreAddress.Scheme;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Every form of a store address, every default, every error. */
class StoreAddressTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "etcd://a:1                     | ETCD   | a:1",
        "etcd://a                       | ETCD   | a:2379",
        "etcd://a,b:2,c                 | ETCD   | a:2379,b:2,c:2379",
        "etcd://10.0.0.1:2379/          | ETCD   | 10.0.0.1:2379",
        "ETCD://Etcd-1.example.com:2379 | ETCD   | Etcd-1.example.com:2379",
        "etcd://[::1]:2379              | ETCD   | [::1]:2379",
        "etcd://[fe80::1]               | ETCD   | [fe80::1]:2379",
        "etcd://my_host:1               | ETCD   | my_host:1",
        "consul://a                     | CONSUL | a:8500",
        "consul://a:8501                | CONSUL | a:8501",
        "consul://[::1]                 | CONSUL | [::1]:8500",
        "http://localhost:4001          | HTTP   | localhost:4001",
        "http://a:1,b:2                 | HTTP   | a:1,b:2",
        "https://a:443/                 | HTTPS  | a:443",
        "Https://a:1                    | HTTPS  | a:1",
        "  etcd://a:1                   | ETCD   | a:1",
        "etcd://a:65535                 | ETCD   | a:65535",
    })
    void parses(String text, Scheme scheme, String hostPorts) {
        StoreAddress address = StoreAddress.parse(text);
        assertThat(address.scheme()).isEqualTo(scheme);
        assertThat(address.hostPorts()).isEqualTo(hostPorts);
        assertThat(address.tls()).isEqualTo(scheme == Scheme.HTTPS);
        assertThat(StoreAddress.parse(address.toString())).as("the canonical form parses back").isEqualTo(address);
    }

    @Test
    @DisplayName("the default address is etcd's old port on localhost over http")
    void defaultAddress() {
        StoreAddress address = StoreAddress.parse(StoreAddress.DEFAULT);
        assertThat(address.scheme()).isEqualTo(Scheme.HTTP);
        assertThat(address.endpoints()).containsExactly(new Endpoint("localhost", 4001));
        assertThat(address).hasToString("http://localhost:4001");
    }

    @ParameterizedTest
    @ValueSource(strings = {"mem://", "memory://", "MEM://", "mem:///"})
    void theMemoryStoreHasNoEndpoint(String text) {
        StoreAddress address = StoreAddress.parse(text);
        assertThat(address.scheme()).isEqualTo(Scheme.MEMORY);
        assertThat(address.endpoints()).isEmpty();
        assertThat(address).hasToString("mem://");
    }

    @Test
    @DisplayName("an IPv6 endpoint keeps its host without brackets and prints with them")
    void ipv6() {
        StoreAddress address = StoreAddress.parse("etcd://[2001:db8::7]:1,[::1]");
        assertThat(address.endpoints())
                .containsExactly(new Endpoint("2001:db8::7", 1), new Endpoint("::1", 2379));
        assertThat(address).hasToString("etcd://[2001:db8::7]:1,[::1]:2379");
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', value = {
        "''                        | want scheme://host:port",
        "localhost:2379            | want scheme://host:port",
        "://a:1                    | want scheme://host:port",
        "zk://a:1                  | unknown scheme zk://",
        "etcd://                   | no host",
        "etcd:///                  | no host",
        "consul://                 | no host",
        "https://                  | no host",
        "etcd://a:1,,b:2           | empty endpoint",
        "etcd://a:1,               | empty endpoint",
        "etcd://,a:1               | empty endpoint",
        "etcd://a:1/v3             | no path",
        "etcd://a:1/v3/            | no path",
        "etcd://a:1?x=1            | no query or fragment",
        "etcd://a:1#f              | no query or fragment",
        "etcd://a:                 | has ':' but no port",
        "etcd://a:x                | not a number from 1 to 65535",
        "etcd://a:0                | not a number from 1 to 65535",
        "etcd://a:65536            | not a number from 1 to 65535",
        "etcd://a:-1               | not a number from 1 to 65535",
        "etcd://a:123456           | not a number from 1 to 65535",
        "etcd://:1                 | has no host",
        "etcd://a b:1              | bad host 'a b'",
        "etcd://-a:1               | bad host '-a'",
        "etcd://a:1,a:1            | a:1 is listed twice",
        "etcd://a,A:2379           | listed twice",
        "etcd://::1                | IPv6 host goes in brackets",
        "etcd://[::1               | no closing ]",
        "etcd://[::1]x             | text after ]",
        "etcd://[nothex]:1         | not a bracketed IPv6 address",
        "etcd://[1.2.3.4]:1        | not a bracketed IPv6 address",
        "consul://a:1,b:2          | names one agent",
        "http://a                  | needs a port",
        "https://a:1,b             | needs a port",
        "mem://somewhere           | takes no host",
    })
    void refuses(String text, String why) {
        assertThatThrownBy(() -> StoreAddress.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("invalid store address ")
                .hasMessageContaining(why)
                .hasMessageNotContaining("\n");
    }

    @ParameterizedTest
    @ValueSource(strings = {"etcd://root:s3cret@a:1", "https://a:1,u:s3cret@b:2", "consul://s3cret@a", "mem://s3cret@"})
    void credentialsAreRefusedWithoutEchoingThem(String text) {
        assertThatThrownBy(() -> StoreAddress.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("credentials go in the environment")
                .hasMessageNotContaining("s3cret");
    }

    @Test
    @DisplayName("control characters in a bad address are not echoed")
    void controlCharactersAreNotEchoed() {
        assertThatThrownBy(() -> StoreAddress.parse("etcd://a\u001b[31m:1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageNotContaining("\u001b");
    }

    @Test
    @DisplayName("the value refuses what the parser refuses")
    void theRecordValidates() {
        assertThatThrownBy(() -> new StoreAddress(Scheme.MEMORY, List.of(new Endpoint("a", 1))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new StoreAddress(Scheme.ETCD, List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new StoreAddress(Scheme.CONSUL, List.of(new Endpoint("a", 1), new Endpoint("b", 1))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Endpoint("a", 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Endpoint("", 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
