package io.lochness.chypervisord.adapter.out.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Parsing of the {@code --kv} etcd address and the environment credentials. */
class EtcdSettingsTest {

    @Test
    void etcdSchemeWithTwoHostsGivesTwoPlainHttpEndpoints() {
        EtcdSettings settings = EtcdSettings.parse("etcd://a:1,b:2", Map.of());
        assertThat(settings.endpoints()).containsExactly(URI.create("http://a:1"), URI.create("http://b:2"));
        assertThat(settings.tls()).isFalse();
        assertThat(settings.authenticated()).isFalse();
        assertThat(settings.deadline()).isEqualTo(Duration.ofSeconds(3));
        assertThat(settings.hostPorts()).isEqualTo("a:1,b:2");
    }

    @Test
    void httpSchemeIsAcceptedWithoutTls() {
        EtcdSettings settings = EtcdSettings.parse("http://127.0.0.1:2379", Map.of());
        assertThat(settings.endpoints()).containsExactly(URI.create("http://127.0.0.1:2379"));
        assertThat(settings.tls()).isFalse();
    }

    @Test
    void httpsSchemeTurnsTlsOn() {
        EtcdSettings settings = EtcdSettings.parse("https://etcd-1.example:2379,etcd-2.example:2379", Map.of());
        assertThat(settings.endpoints())
                .containsExactly(URI.create("https://etcd-1.example:2379"), URI.create("https://etcd-2.example:2379"));
        assertThat(settings.tls()).isTrue();
    }

    @Test
    void aStoreWithTlsSettingsCanBeCreatedWithoutEtcd() {
        EtcdSettings settings = EtcdSettings.parse("https://127.0.0.1:1", Map.of());
        try (EtcdKeyValueStore store = new EtcdKeyValueStore(settings)) {
            assertThat(store.name()).isEqualTo("etcd");
        }
    }

    @Test
    void aMissingPortMeansTheEtcdDefault() {
        assertThat(EtcdSettings.parse("etcd://etcd.example", Map.of()).endpoints())
                .containsExactly(URI.create("http://etcd.example:2379"));
    }

    @Test
    void ipv6HostsAreAccepted() {
        EtcdSettings settings = EtcdSettings.parse("etcd://[::1]:2379", Map.of());
        assertThat(settings.endpoints()).containsExactly(URI.create("http://[::1]:2379"));
        assertThat(settings.hostPorts()).isEqualTo("[::1]:2379");
    }

    @Test
    void credentialsInTheAddressAreRejectedPointingToTheEnvironment() {
        assertThatThrownBy(() -> EtcdSettings.parse("etcd://root:secret@a:1", Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ETCD_USERNAME")
                .hasMessageNotContaining("secret");
        assertThatThrownBy(() -> EtcdSettings.parse("https://a:1,root@b:2", Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("credentials");
    }

    @Test
    void badPortsAreRejected() {
        assertThatThrownBy(() -> EtcdSettings.parse("etcd://a:notaport", Map.of()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> EtcdSettings.parse("etcd://a:70000", Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("port");
        assertThatThrownBy(() -> EtcdSettings.parse("etcd://a:0", Map.of()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> EtcdSettings.parse("etcd://a:", Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("port");
    }

    @Test
    void malformedAddressesAreRejected() {
        assertThatThrownBy(() -> EtcdSettings.parse("a:1", Map.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> EtcdSettings.parse("consul://a:1", Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("scheme");
        assertThatThrownBy(() -> EtcdSettings.parse("etcd://", Map.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> EtcdSettings.parse("etcd://a:1,,b:2", Map.of()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> EtcdSettings.parse("etcd://a:1/some/path", Map.of()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void credentialsComeFromTheEnvironment() {
        EtcdSettings settings =
                EtcdSettings.parse("etcd://a:1", Map.of("ETCD_USERNAME", "chv", "ETCD_PASSWORD", "s3cret"));
        assertThat(settings.authenticated()).isTrue();
        assertThat(settings.username()).isEqualTo("chv");
        assertThat(settings.password()).isEqualTo("s3cret");
        assertThat(settings.toString()).doesNotContain("s3cret");
    }

    @Test
    void aPasswordWithoutUsernameIsRejected() {
        assertThatThrownBy(() -> EtcdSettings.parse("etcd://a:1", Map.of("ETCD_PASSWORD", "s3cret")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ETCD_USERNAME")
                .hasMessageNotContaining("s3cret");
    }

    @Test
    void mixedSchemesAndNonPositiveDeadlinesAreRejected() {
        assertThatThrownBy(
                        () -> EtcdSettings.of(List.of(URI.create("http://a:1"), URI.create("https://b:2"))))
                .isInstanceOf(IllegalArgumentException.class);
        EtcdSettings settings = EtcdSettings.of(List.of(URI.create("http://a:1")));
        assertThatThrownBy(() -> settings.withDeadline(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThat(settings.withDeadline(Duration.ofMillis(500)).deadline()).isEqualTo(Duration.ofMillis(500));
    }
}
