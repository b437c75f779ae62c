package io.lochness.chypervisord.adapter.out.consul;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lochness.chypervisord.domain.model.StoreUnavailableException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.interfaces.ECPrivateKey;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS as Consul's clients do it, against a MockWebServer that speaks HTTPS with certificates made
 * here (a private CA, a server certificate for {@code consul.test} only, client certificates) and
 * requires a client certificate (Consul's {@code verify_incoming}).
 */
class ConsulTlsTest {

    @TempDir
    Path dir;

    private MockWebServer server;
    private HeldCertificate ca;
    private HeldCertificate client;

    @BeforeEach
    void start() throws IOException {
        ca = new HeldCertificate.Builder().certificateAuthority(0).commonName("test CA").build();
        HeldCertificate serverCert = new HeldCertificate.Builder()
                .signedBy(ca).commonName("consul.test").addSubjectAlternativeName("consul.test").build();
        client = new HeldCertificate.Builder().signedBy(ca).commonName("chypervisord").build();
        HandshakeCertificates serverSide = new HandshakeCertificates.Builder()
                .heldCertificate(serverCert, ca.certificate())
                .addTrustedCertificate(ca.certificate())
                .build();
        server = new MockWebServer();
        server.useHttps(serverSide.sslSocketFactory(), false);
        server.requireClientAuth();
        server.start();
    }

    @AfterEach
    void stop() throws IOException {
        server.shutdown();
    }

    private Path write(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    private Map<String, String> env(Path caFile, Path cert, Path key, String serverName) {
        Map<String, String> env = new HashMap<>();
        if (caFile != null) env.put("CONSUL_CACERT", caFile.toString());
        if (cert != null) env.put("CONSUL_CLIENT_CERT", cert.toString());
        if (key != null) env.put("CONSUL_CLIENT_KEY", key.toString());
        if (serverName != null) env.put("CONSUL_TLS_SERVER_NAME", serverName);
        return env;
    }

    private ConsulKeyValueStore store(Map<String, String> env) {
        // The server's certificate names consul.test only; the address is 127.0.0.1.
        String address = "https://127.0.0.1:" + server.getPort();
        // A deadline no slow first handshake on a loaded machine reaches: the failing cases fail
        // the handshake at once, and only say the store is unavailable.
        return new ConsulKeyValueStore(ConsulSettings.parse(address, env), Duration.ofSeconds(30));
    }

    private void pingOk(Map<String, String> env) {
        server.enqueue(new MockResponse().setBody("\"10.0.0.1:8300\""));
        try (ConsulKeyValueStore store = store(env)) {
            store.ping();
        }
    }

    @Test
    @DisplayName("CA file, client certificate and key (PKCS#8) and the server name: the store talks to a verify_incoming server")
    void mutualTlsWithServerName() throws Exception {
        pingOk(env(write("ca.pem", ca.certificatePem()), write("client.pem", client.certificatePem()),
                write("client-key.pem", client.privateKeyPkcs8Pem()), "consul.test"));
        assertThat(server.takeRequest().getHandshake().peerPrincipal().getName()).contains("chypervisord");
    }

    @Test
    @DisplayName("a PKCS#1 RSA key and a SEC1 EC key (what `consul tls cert create` writes) are read too")
    void pkcs1AndSec1Keys() throws Exception {
        HeldCertificate rsa = new HeldCertificate.Builder().signedBy(ca).rsa2048().commonName("rsa-client").build();
        pingOk(env(write("ca.pem", ca.certificatePem()), write("rsa.pem", rsa.certificatePem()),
                write("rsa-key.pem", rsa.privateKeyPkcs1Pem()), "consul.test"));
        pingOk(env(write("ca.pem", ca.certificatePem()), write("client.pem", client.certificatePem()),
                write("client-ec.pem", sec1Pem((ECPrivateKey) client.keyPair().getPrivate())), "consul.test"));
        assertThat(server.getRequestCount()).isEqualTo(2);
    }

    @Test
    @DisplayName("without a client certificate the handshake fails: StoreUnavailableException")
    void noClientCertificate() throws Exception {
        Map<String, String> env = env(write("ca.pem", ca.certificatePem()), null, null, "consul.test");
        try (ConsulKeyValueStore store = store(env)) {
            assertThatThrownBy(store::ping).isInstanceOf(StoreUnavailableException.class);
        }
    }

    @Test
    @DisplayName("the JVM's trust store does not know a private CA: StoreUnavailableException")
    void wrongCa() throws Exception {
        HeldCertificate otherCa = new HeldCertificate.Builder().certificateAuthority(0).build();
        Map<String, String> env = env(write("other-ca.pem", otherCa.certificatePem()), write("client.pem", client.certificatePem()),
                write("client-key.pem", client.privateKeyPkcs8Pem()), "consul.test");
        try (ConsulKeyValueStore store = store(env)) {
            assertThatThrownBy(store::ping).isInstanceOf(StoreUnavailableException.class);
        }
    }

    @Test
    @DisplayName("without CONSUL_TLS_SERVER_NAME the certificate (consul.test) does not match 127.0.0.1")
    void hostnameChecked() throws Exception {
        Map<String, String> env = env(write("ca.pem", ca.certificatePem()), write("client.pem", client.certificatePem()),
                write("client-key.pem", client.privateKeyPkcs8Pem()), null);
        try (ConsulKeyValueStore store = store(env)) {
            assertThatThrownBy(store::ping).isInstanceOf(StoreUnavailableException.class);
        }
    }

    @Test
    @DisplayName("a server name the certificate does not carry is refused")
    void wrongServerName() throws Exception {
        Map<String, String> env = env(write("ca.pem", ca.certificatePem()), write("client.pem", client.certificatePem()),
                write("client-key.pem", client.privateKeyPkcs8Pem()), "other.test");
        try (ConsulKeyValueStore store = store(env)) {
            assertThatThrownBy(store::ping).isInstanceOf(StoreUnavailableException.class);
        }
    }

    @Test
    @DisplayName("a missing or unreadable TLS file is one IllegalArgumentException naming the variable and file, at construction")
    void missingFiles() throws Exception {
        Path missing = dir.resolve("nope.pem");
        assertThatThrownBy(() -> store(env(missing, null, null, null)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("CONSUL_CACERT").hasMessageContaining("nope.pem");
        Path garbage = write("garbage.pem", "not a pem");
        assertThatThrownBy(() -> store(env(write("ca.pem", ca.certificatePem()), write("c.pem", client.certificatePem()), garbage, null)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("CONSUL_CLIENT_KEY");
        Path encrypted = write("enc.pem", "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n");
        assertThatThrownBy(() -> store(env(null, write("c2.pem", client.certificatePem()), encrypted, null)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("encrypted");
        assertThat(server.getRequestCount()).isZero();
    }

    /** SEC1 ECPrivateKey { 1, OCTET STRING d, [0] prime256v1 }, as openssl and Consul write it. */
    private static String sec1Pem(ECPrivateKey key) {
        byte[] d = key.getS().toByteArray();
        if (d.length > 32) {
            d = Arrays.copyOfRange(d, d.length - 32, d.length);
        } else if (d.length < 32) {
            byte[] padded = new byte[32];
            System.arraycopy(d, 0, padded, 32 - d.length, d.length);
            d = padded;
        }
        byte[] prime256v1 = {0x06, 0x08, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x03, 0x01, 0x07};
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(new byte[] {0x02, 0x01, 0x01});
        body.write(0x04);
        body.write(d.length);
        body.writeBytes(d);
        body.write(0xa0);
        body.write(prime256v1.length);
        body.writeBytes(prime256v1);
        byte[] content = body.toByteArray();
        ByteArrayOutputStream der = new ByteArrayOutputStream();
        der.write(0x30);
        der.write(content.length);
        der.writeBytes(content);
        return "-----BEGIN EC PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der.toByteArray())
                + "\n-----END EC PRIVATE KEY-----\n";
    }

}
