package io.lochness.chypervisord.cli;

import static io.lochness.chypervisord.cli.FakeService.json;
import static io.lochness.chypervisord.cli.HvRunner.lines;
import static io.lochness.chypervisord.cli.TestRecords.A;
import static io.lochness.chypervisord.cli.TestRecords.record;
import static org.assertj.core.api.Assertions.assertThat;

import io.lochness.chypervisord.cli.HvRunner.Result;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --cacert: an https service whose self-made certificate hv trusts only through the PEM given. */
class TlsTest {
    private static final char[] PASSWORD = "changeit".toCharArray();

    @TempDir
    static Path dir;

    private static FakeService service;
    private static Path cert;
    private static Path otherCert;

    @BeforeAll
    static void httpsService() throws Exception {
        cert = selfSigned("service");
        otherCert = selfSigned("other");
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(dir.resolve("service.p12"))) {
            keys.load(in, PASSWORD);
        }
        KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keyManagers.init(keys, PASSWORD);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keyManagers.getKeyManagers(), null, null);
        service = FakeService.https(context);
    }

    @AfterAll
    static void stop() {
        service.close();
    }

    /** A key pair and self-signed certificate for 127.0.0.1 (keytool); returns the certificate's PEM file. */
    private static Path selfSigned(String name) throws IOException, InterruptedException {
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        Path store = dir.resolve(name + ".p12");
        String subject = name.equals("service") ? "CN=127.0.0.1" : "CN=" + name;
        Path pem = dir.resolve(name + ".pem");
        keytool(keytool, "-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", subject, "-ext", "SAN=ip:127.0.0.1", "-validity", "2",
                "-storetype", "PKCS12", "-keystore", store.toString(), "-storepass", "changeit", "-keypass", "changeit");
        keytool(keytool, "-exportcert", "-rfc", "-alias", name, "-keystore", store.toString(), "-storepass", "changeit",
                "-file", pem.toString());
        assertThat(Files.readString(pem)).startsWith("-----BEGIN CERTIFICATE-----");
        return pem;
    }

    private static void keytool(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
    }

    private HvRunner hv() {
        return new HvRunner(service.url());
    }

    @Test
    @DisplayName("with --cacert naming the service's certificate, https works")
    void trustedThroughCacert() {
        service.then(json(200, "[" + record(A) + "]"));
        Result result = hv().run("list", "--cacert", cert.toString());
        assertThat(result.err()).isEmpty();
        assertThat(result.out()).isEqualTo(lines(A));
        assertThat(result.status()).isZero();
    }

    @Test
    @DisplayName("without --cacert, or with another CA's: one line saying the certificate is not trusted, status 1")
    void untrusted() {
        String line = lines("hv: TLS with " + service.url() + " failed: its certificate is not trusted (name its CA with --cacert)");
        for (List<String> args : List.of(List.of("list"), List.of("list", "--cacert", otherCert.toString()))) {
            Result result = hv().run(args.toArray(String[]::new));
            assertThat(result.err()).isEqualTo(line);
            assertThat(result.out()).isEmpty();
            assertThat(result.status()).isEqualTo(1);
        }
    }

    @Test
    @DisplayName("--cacert naming a missing file: a usage error naming it")
    void missingFile() {
        Path missing = dir.resolve("missing.pem");
        Result result = hv().run("list", "--cacert", missing.toString());
        assertThat(result.err()).isEqualTo(lines("hv: --cacert " + missing + ": cannot read it (no such file) (see 'hv list -h')"));
        assertThat(result.status()).isEqualTo(2);
    }

    @Test
    @DisplayName("--cacert naming a file that holds no certificate: a usage error naming it")
    void notPem() throws IOException {
        Path text = Files.writeString(dir.resolve("notes.txt"), "not a certificate\n");
        Path broken = Files.writeString(dir.resolve("broken.pem"),
                "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n");
        for (Path file : List.of(text, broken)) {
            Result result = hv().run("list", "--cacert", file.toString());
            assertThat(result.err()).startsWith("hv: --cacert " + file + ": ").hasLineCount(1);
            assertThat(result.err()).containsAnyOf("no certificate in it", "not a PEM file of certificates");
            assertThat(result.status()).isEqualTo(2);
        }
    }
}
