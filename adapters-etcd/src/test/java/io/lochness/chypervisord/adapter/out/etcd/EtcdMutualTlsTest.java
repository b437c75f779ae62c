package io.lochness.chypervisord.adapter.out.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lochness.chypervisord.adapter.out.kv.spi.KeyChange;
import io.lochness.chypervisord.adapter.out.kv.spi.KeyValue;
import io.lochness.chypervisord.adapter.out.kv.spi.Txn;
import io.lochness.chypervisord.adapter.out.kv.spi.Watch;
import io.lochness.chypervisord.adapter.out.kv.spi.WatchRecorder;
import io.lochness.chypervisord.domain.model.StoreUnavailableException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * {@link EtcdKeyValueStore} on an etcd that requires client certificates ({@code
 * --client-cert-auth}), with a CA and certificates made by the test with openssl.
 */
class EtcdMutualTlsTest {

    private static LocalEtcd etcd;
    private static Path certs;

    /** Once per class, in a per-test hook so that a missing etcd skips each test. */
    @BeforeEach
    void startEtcdOnce() throws IOException {
        if (etcd != null) {
            return;
        }
        LocalEtcd.binary();
        certs = Files.createTempDirectory("etcd-tls-");
        Files.writeString(certs.resolve("server.ext"),
                "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
        Files.writeString(certs.resolve("client.ext"), "extendedKeyUsage=clientAuth\n");
        ca("ca");
        ca("other-ca");
        signed("server", "ca", "server.ext");
        signed("client", "ca", "client.ext");
        signed("stranger", "other-ca", "client.ext");
        etcd = LocalEtcd.start(1, "https", List.of(
                "--cert-file", certs.resolve("server.pem").toString(),
                "--key-file", certs.resolve("server.key").toString(),
                "--trusted-ca-file", certs.resolve("ca.pem").toString(),
                "--client-cert-auth"));
    }

    @AfterAll
    static void stopEtcd() throws IOException {
        if (etcd != null) {
            etcd.close();
            etcd = null;
        }
        if (certs != null) {
            try (var files = Files.walk(certs)) {
                for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(f);
                }
            }
        }
    }

    private static void ca(String name) throws IOException {
        LocalEtcd.run(certs, "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                "-keyout", name + ".key", "-out", name + ".pem", "-subj", "/CN=" + name);
    }

    private static void signed(String name, String ca, String ext) throws IOException {
        LocalEtcd.run(certs, "openssl", "req", "-newkey", "rsa:2048", "-nodes",
                "-keyout", name + ".key", "-out", name + ".csr", "-subj", "/CN=" + name);
        LocalEtcd.run(certs, "openssl", "x509", "-req", "-in", name + ".csr", "-CA", ca + ".pem", "-CAkey", ca + ".key",
                "-CAcreateserial", "-days", "1", "-out", name + ".pem", "-extfile", ext);
    }

    /**
     * A store with the given files. A refused handshake fails a call at its deadline, its message
     * then naming the transport's error: 5 s (not 2) leaves a slow handshake on a loaded machine
     * time to fail first. The calls that succeed get 30 s.
     */
    private static EtcdKeyValueStore store(String ca, String cert) {
        return store(ca, cert, Duration.ofSeconds(5));
    }

    private static EtcdKeyValueStore store(String ca, String cert, Duration deadline) {
        Map<String, String> env = new HashMap<>();
        if (ca != null) {
            env.put("ETCD_CACERT", certs.resolve(ca + ".pem").toString());
        }
        if (cert != null) {
            env.put("ETCD_CERT", certs.resolve(cert + ".pem").toString());
            env.put("ETCD_KEY", certs.resolve(cert + ".key").toString());
        }
        return new EtcdKeyValueStore(EtcdSettings.parse(etcd.address(), env).withDeadline(deadline));
    }

    @Test
    @DisplayName("with the CA file and a client certificate signed by it, every call works")
    void theRightFilesWork() throws Exception {
        String prefix = "tls/" + UUID.randomUUID() + "/";
        try (EtcdKeyValueStore store = store("ca", "client", Duration.ofSeconds(30))) {
            store.ping();
            WatchRecorder watched = new WatchRecorder();
            Watch watch = store.watch(prefix, store.currentRevision() + 1, watched);
            long revision = store.commit(new Txn(List.of(), List.of(new Txn.Put(prefix + "a", "1")))).revision();
            assertThat(store.read(prefix).entries()).containsExactly(new KeyValue(prefix + "a", "1", revision));
            assertThat(watched.nextChanges()).containsExactly(KeyChange.put(prefix + "a", "1", revision));
            watch.close();
        }
    }

    @Test
    @DisplayName("a server certificate from another CA fails the call in one line")
    void theWrongCaFails() {
        try (EtcdKeyValueStore store = store("other-ca", "client")) {
            assertThatThrownBy(store::ping)
                    .isInstanceOf(StoreUnavailableException.class)
                    .hasMessageContaining(etcd.members().get(0).hostPort())
                    .hasMessageNotContaining("\n")
                    .hasMessageContaining("certification path");
        }
    }

    @Test
    @DisplayName("without a client certificate, or with one from another CA, etcd refuses the call, said in one line")
    void aMissingOrForeignClientCertificateFails() {
        try (EtcdKeyValueStore store = store("ca", null)) {
            assertThatThrownBy(store::ping)
                    .isInstanceOf(StoreUnavailableException.class)
                    .hasMessageNotContaining("\n")
                    .hasMessageContaining("bad_certificate");
        }
        try (EtcdKeyValueStore store = store("ca", "stranger")) {
            assertThatThrownBy(store::ping)
                    .isInstanceOf(StoreUnavailableException.class)
                    .hasMessageNotContaining("\n")
                    .hasMessageContaining("bad_certificate");
        }
    }

    @Test
    @DisplayName("a plain-text client on the TLS port fails in one line")
    void plainTextFails() {
        String plain = etcd.address().replace("https://", "etcd://");
        try (EtcdKeyValueStore store = new EtcdKeyValueStore(EtcdSettings.parse(plain, Map.of()).withDeadline(Duration.ofSeconds(2)))) {
            assertThatThrownBy(store::ping).isInstanceOf(StoreUnavailableException.class).hasMessageNotContaining("\n");
        }
    }
}
