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

    @Test
    @DisplayName("consul:// without a host takes CONSUL_HTTP_ADDR as Consul's CLI reads it, else 127.0.0.1:8500")
    void addressFromEnvironment() {
        assertThat(ConsulSettings.parse("consul://", Map.of("CONSUL_HTTP_ADDR", "10.1.2.3:8600")).endpoint())
                .isEqualTo(URI.create("http://10.1.2.3:8600"));
        assertThat(ConsulSettings.parse("consul:", Map.of("CONSUL_HTTP_ADDR", "https://c.example")).endpoint())
                .isEqualTo(URI.create("https://c.example:8501"));
        assertThat(ConsulSettings.parse("consul://", NO_ENV).endpoint()).isEqualTo(URI.create("http://127.0.0.1:8500"));
        assertThatThrownBy(() -> ConsulSettings.parse("consul://", Map.of("CONSUL_HTTP_ADDR", "unix:///tmp/consul.sock")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unix");
    }

    @Test
    @DisplayName("the --kv address wins over CONSUL_HTTP_ADDR")
    void flagWinsOverEnvironment() {
        assertThat(ConsulSettings.parse("consul://flag:8500", Map.of("CONSUL_HTTP_ADDR", "env:9999")).endpoint())
                .isEqualTo(URI.create("http://flag:8500"));
    }

    @Test
    @DisplayName("TLS files and server name come from CONSUL_CACERT, CONSUL_CLIENT_CERT, CONSUL_CLIENT_KEY, CONSUL_TLS_SERVER_NAME")
    void tlsEnvironment() {
        ConsulSettings settings = ConsulSettings.parse("https://c:8501", Map.of(
                "CONSUL_CACERT", "/etc/consul/ca.pem", "CONSUL_CLIENT_CERT", "/etc/consul/c.pem",
                "CONSUL_CLIENT_KEY", "/etc/consul/c-key.pem", "CONSUL_TLS_SERVER_NAME", "server.dc1.consul"));
        assertThat(settings.tls()).isEqualTo(new ConsulSettings.Tls(java.nio.file.Path.of("/etc/consul/ca.pem"),
                java.nio.file.Path.of("/etc/consul/c.pem"), java.nio.file.Path.of("/etc/consul/c-key.pem"), "server.dc1.consul"));
        assertThat(ConsulSettings.parse("https://c:8501", NO_ENV).tls()).isEqualTo(ConsulSettings.Tls.NONE);
        assertThatThrownBy(() -> ConsulSettings.parse("https://c:8501", Map.of("CONSUL_CLIENT_CERT", "/c.pem")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("CONSUL_CLIENT_KEY");
    }

    @Test
    @DisplayName("limits default to Consul's (128 operations, 512 KiB) and can be set for older or reconfigured servers")
    void limits() {
        assertThat(ConsulSettings.parse("consul://c", NO_ENV).limits())
                .isEqualTo(new ConsulSettings.Limits(128, 524288, 524288));
        ConsulSettings old = ConsulSettings.parse("consul://c", Map.of("CHYPERVISORD_CONSUL_TXN_MAX_OPS", "64",
                "CHYPERVISORD_CONSUL_KV_MAX_VALUE_SIZE", "1000", "CHYPERVISORD_CONSUL_TXN_MAX_REQ_LEN", "2000"));
        assertThat(old.limits()).isEqualTo(new ConsulSettings.Limits(64, 1000, 2000));
        // Consul uses kv_max_value_size as the request limit when it is the larger one.
        assertThat(new ConsulSettings.Limits(64, 4000, 2000).maxTxnBytes()).isEqualTo(4000);
        assertThatThrownBy(() -> ConsulSettings.parse("consul://c", Map.of("CHYPERVISORD_CONSUL_TXN_MAX_OPS", "many")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("CHYPERVISORD_CONSUL_TXN_MAX_OPS");
    }
}
