package io.lochness.chypervisord.adapter.out.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lochness.chypervisord.adapter.out.kv.spi.StoreAddress;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

    @Test
    void theParsedAddressIsTakenAsIs() {
        EtcdSettings settings = EtcdSettings.from(StoreAddress.parse("etcd://a,[::1]:2"), Map.of());
        assertThat(settings.endpoints()).containsExactly(URI.create("http://a:2379"), URI.create("http://[::1]:2"));
        assertThatThrownBy(() -> EtcdSettings.from(StoreAddress.parse("mem://"), Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not an etcd address");
    }

    @Test
    void tlsFilesComeFromTheEnvironment(@TempDir Path dir) throws IOException {
        Path ca = Files.writeString(dir.resolve("ca.pem"), "x");
        Path cert = Files.writeString(dir.resolve("cert.pem"), "x");
        Path key = Files.writeString(dir.resolve("key.pem"), "x");
        EtcdSettings settings = EtcdSettings.parse("https://a:1",
                Map.of("ETCD_CACERT", ca.toString(), "ETCD_CERT", cert.toString(), "ETCD_KEY", key.toString()));
        assertThat(settings.caCert()).isEqualTo(ca);
        assertThat(settings.clientCert()).isEqualTo(cert);
        assertThat(settings.clientKey()).isEqualTo(key);
        assertThat(settings.toString()).contains(ca.toString());
        assertThat(EtcdSettings.parse("https://a:1", Map.of("ETCD_CACERT", ca.toString())).clientCert()).isNull();
    }

    @Test
    void aMissingOrUnreadableTlsFileIsOneLineNamingIt(@TempDir Path dir) throws IOException {
        Path missing = dir.resolve("nope.pem");
        assertThatThrownBy(() -> EtcdSettings.parse("https://a:1", Map.of("ETCD_CACERT", missing.toString())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("ETCD_CACERT=" + missing + ": no such file");
        assertThatThrownBy(() -> EtcdSettings.parse("https://a:1", Map.of("ETCD_CACERT", dir.toString())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("ETCD_CACERT=" + dir + ": not a regular file");
        Path cert = Files.writeString(dir.resolve("cert.pem"), "x");
        Path key = Files.writeString(dir.resolve("key.pem"), "x");
        if (key.toFile().setReadable(false, false) && !Files.isReadable(key)) { // root reads everything
            assertThatThrownBy(() -> EtcdSettings.parse("https://a:1",
                            Map.of("ETCD_CERT", cert.toString(), "ETCD_KEY", key.toString())))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("ETCD_KEY=" + key + ": not readable by this user");
        }
    }

    @Test
    void aClientCertificateNeedsItsKeyAndTlsFilesNeedHttps(@TempDir Path dir) throws IOException {
        Path cert = Files.writeString(dir.resolve("cert.pem"), "x");
        assertThatThrownBy(() -> EtcdSettings.parse("https://a:1", Map.of("ETCD_CERT", cert.toString())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ETCD_CERT and ETCD_KEY");
        assertThatThrownBy(() -> EtcdSettings.parse("etcd://a:1", Map.of("ETCD_CACERT", cert.toString())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("ETCD_CACERT is set but the etcd endpoints are not https://");
    }

    @Test
    void tlsFilesThatAreNotPemFailInOneLineWhenTheStoreIsBuilt(@TempDir Path dir) throws IOException {
        Path ca = Files.writeString(dir.resolve("ca.pem"), "not a certificate");
        EtcdSettings settings = EtcdSettings.parse("https://127.0.0.1:1", Map.of("ETCD_CACERT", ca.toString()));
        assertThatThrownBy(() -> new EtcdKeyValueStore(settings))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("cannot set up TLS to etcd from ETCD_CACERT=" + ca)
                .hasMessageNotContaining("\n");
    }
}
