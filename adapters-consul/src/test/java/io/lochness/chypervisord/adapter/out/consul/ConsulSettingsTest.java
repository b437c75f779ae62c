package io.lochness.chypervisord.adapter.out.consul;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Parsing of the {@code --kv} Consul address and of Consul's environment conventions. */
class ConsulSettingsTest {

    private static final Map<String, String> NO_ENV = Map.of();

    @Test
    @DisplayName("consul://host:port is plain HTTP to that host and port")
    void consulScheme() {
        ConsulSettings settings = ConsulSettings.parse("consul://consul.internal:8600", NO_ENV);
        assertThat(settings.endpoint()).isEqualTo(URI.create("http://consul.internal:8600"));
        assertThat(settings.token()).isNull();
        assertThat(settings.datacenter()).isNull();
    }

    @Test
    @DisplayName("consul:// and http:// without a port use 8500; https:// uses 8501")
    void defaultPorts() {
        assertThat(ConsulSettings.parse("consul://c", NO_ENV).endpoint())
                .isEqualTo(URI.create("http://c:8500"));
        assertThat(ConsulSettings.parse("http://c", NO_ENV).endpoint())
                .isEqualTo(URI.create("http://c:8500"));
        assertThat(ConsulSettings.parse("https://c", NO_ENV).endpoint())
                .isEqualTo(URI.create("https://c:8501"));
    }

    @Test
    @DisplayName("http:// and https:// keep their scheme and port; a trailing slash is accepted")
    void httpAndHttps() {
        assertThat(ConsulSettings.parse("http://127.0.0.1:8500/", NO_ENV).endpoint())
                .isEqualTo(URI.create("http://127.0.0.1:8500"));
        assertThat(ConsulSettings.parse("HTTPS://consul:443", NO_ENV).endpoint())
                .isEqualTo(URI.create("https://consul:443"));
    }

    @Test
    @DisplayName("an IPv6 literal host is kept")
    void ipv6() {
        assertThat(ConsulSettings.parse("consul://[::1]:8500", NO_ENV).endpoint())
                .isEqualTo(URI.create("http://[::1]:8500"));
    }

    @Test
    @DisplayName("token and datacenter come from CONSUL_HTTP_TOKEN and CONSUL_DATACENTER")
    void environment() {
        ConsulSettings settings =
                ConsulSettings.parse(
                        "consul://c:8500",
                        Map.of("CONSUL_HTTP_TOKEN", "s3cr3t", "CONSUL_DATACENTER", "eu-west"));
        assertThat(settings.token()).isEqualTo("s3cr3t");
        assertThat(settings.datacenter()).isEqualTo("eu-west");
        assertThat(settings.tokenIfAny()).contains("s3cr3t");
        assertThat(settings.datacenterIfAny()).contains("eu-west");
    }

    @Test
    @DisplayName("blank environment values count as unset")
    void blankEnvironment() {
        ConsulSettings settings =
                ConsulSettings.parse(
                        "consul://c:8500", Map.of("CONSUL_HTTP_TOKEN", "  ", "CONSUL_DATACENTER", ""));
        assertThat(settings.token()).isNull();
        assertThat(settings.datacenter()).isNull();
    }

    @Test
    @DisplayName("toString never shows the token")
    void toStringRedactsToken() {
        ConsulSettings settings =
                ConsulSettings.parse("consul://c:8500", Map.of("CONSUL_HTTP_TOKEN", "s3cr3t"));
        assertThat(settings.toString()).doesNotContain("s3cr3t").contains("redacted");
    }

    @Test
    @DisplayName("user-info in the address is refused, without echoing it")
    void userInfoRefused() {
        assertThatThrownBy(() -> ConsulSettings.parse("consul://admin:hunter2@c:8500", NO_ENV))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("CONSUL_HTTP_TOKEN")
                .hasMessageNotContaining("hunter2");
        assertThatThrownBy(() -> ConsulSettings.parse("https://token@c:8501", NO_ENV))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "etcd://c:2379",
                "c:8500",
                "consul:///nohost",
                "consul://c:8500/v1/kv",
                "consul://c:8500?dc=x",
                "http://c:8500#frag",
                "consul://c:notaport",
                ""
            })
    @DisplayName("other schemes, missing hosts, paths, queries, fragments and bad ports are refused")
    void malformedRefused(String address) {
        assertThatThrownBy(() -> ConsulSettings.parse(address, NO_ENV))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    @DisplayName("the record refuses an endpoint without port or with another scheme")
    void recordValidates() {
        assertThatThrownBy(() -> new ConsulSettings(URI.create("http://c"), null, null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ConsulSettings(URI.create("ftp://c:21"), null, null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ConsulSettings(URI.create("http://u:p@c:8500"), null, null))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
