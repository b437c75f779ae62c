package io.lochness.chypervisord.bootstrap.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.lochness.chypervisord.adapter.in.http.AccessRules;
import io.lochness.chypervisord.adapter.in.http.ApiRoutes;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * TLS, mutual TLS, access rules, the Origin rule, SIGHUP reloads and the audit trail, against the
 * built jar on a real port. Certificates are made here with {@code openssl} (a CA, server
 * certificates, client certificates, and a second CA that is not trusted), never committed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SecurityIT {
    private static final String READER_TOKEN = "rdr-" + UUID.randomUUID();
    private static final String WRITER_TOKEN = "wrt-" + UUID.randomUUID();
    private static final String ALLOWED_ORIGIN = "https://ui.example.org";

    private Path dir;

    @BeforeAll
    void makeCertificates() throws Exception {
        dir = Files.createTempDirectory("chypervisord-tls-");
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
                "-subj", "/CN=test-ca", "-keyout", "ca.key", "-out", "ca.crt");
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
                "-subj", "/CN=other-ca", "-keyout", "other-ca.key", "-out", "other-ca.crt");
        Files.writeString(dir.resolve("san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
        for (String name : List.of("server", "server2")) {
            signed(name, "/CN=chypervisord-" + name, "ca", "san.ext");
        }
        for (String cn : List.of("reader-client", "writer-client", "nobody-client")) {
            signed(cn, "/CN=" + cn, "ca", null);
            pkcs12(cn);
        }
        signed("intruder", "/CN=writer-client", "other-ca", null);
        pkcs12("intruder");
        Files.copy(dir.resolve("server.crt"), dir.resolve("live.crt"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(dir.resolve("server.key"), dir.resolve("live.key"), StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(dir.resolve("access"), String.join("\n",
                "# test rules",
                "sha256:" + AccessRules.sha256Hex(READER_TOKEN) + ",dashboard,reader",
                "sha256:" + AccessRules.sha256Hex(WRITER_TOKEN) + ",agent,writer",
                "cn:reader-client,reader-cert,reader",
                "cn:writer-client,writer-cert,writer", ""));
    }

    @AfterAll
    void removeCertificates() throws IOException {
        if (dir != null) {
            try (var files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    // ---------------------------------------------------------------- HTTPS with bearer tokens

    @Test
    @DisplayName("HTTPS and tokens: every route x {none, bad token, reader, writer} gets the right status")
    void everyRouteByCredential() throws Exception {
        try (ChildProcess child = startTls(false)) {
            HttpClient https = client(null);
            awaitServing(child, https);
            String id = UUID.randomUUID().toString();
            String subnet = UUID.randomUUID().toString();
            HttpResponse<String> created = send(https, child, "POST", "/hypervisors", "{\"id\":\"" + id + "\"}", WRITER_TOKEN);
            assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
            assertThat(send(https, child, "PATCH", "/hypervisors/" + id + "/subnets", "{\"" + subnet + "\":\"br0\"}", WRITER_TOKEN)
                    .statusCode()).isEqualTo(200);
            for (ApiRoutes.Route route : ApiRoutes.ALL) {
                if (route.method().equals("DELETE") && route.template().equals("/hypervisors/{id}")) {
                    continue; // checked last, below
                }
                String path = route.template().replace("{id}", id).replace("{subnetId}", subnet);
                String body = body(route, id);
                boolean read = route.method().equals("GET");
                HttpResponse<String> none = send(https, child, route.method(), path, body, null);
                assertThat(none.statusCode()).as("%s %s without credentials: %s", route.method(), path, none.body()).isEqualTo(401);
                assertThat(none.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
                assertErrorBody(none, 401);
                assertThat(send(https, child, route.method(), path, body, "bogus-" + READER_TOKEN).statusCode())
                        .as("%s %s with a bad token", route.method(), path).isEqualTo(401);
                HttpResponse<String> reader = send(https, child, route.method(), path, body, READER_TOKEN);
                if (read) {
                    assertThat(reader.statusCode()).as("%s %s as a reader: %s", route.method(), path, reader.body()).isEqualTo(200);
                } else {
                    assertThat(reader.statusCode()).as("%s %s as a reader: %s", route.method(), path, reader.body()).isEqualTo(403);
                    assertErrorBody(reader, 403);
                }
                HttpResponse<String> writer = send(https, child, route.method(), path, body, WRITER_TOKEN);
                assertThat(writer.statusCode()).as("%s %s as a writer: %s", route.method(), path, writer.body())
                        .isBetween(200, 299);
                if (route.template().endsWith("{subnetId}")) {
                    send(https, child, "PATCH", "/hypervisors/" + id + "/subnets", "{\"" + subnet + "\":\"br0\"}", WRITER_TOKEN);
                }
            }
            assertThat(send(https, child, "DELETE", "/hypervisors/" + id, null, READER_TOKEN).statusCode()).isEqualTo(403);
            assertThat(send(https, child, "DELETE", "/hypervisors/" + id, null, null).statusCode()).isEqualTo(401);
            assertThat(send(https, child, "DELETE", "/hypervisors/" + id, null, WRITER_TOKEN).statusCode()).isEqualTo(200);

            // Probes stay open; metrics and the OpenAPI document need a reader.
            assertThat(send(https, child, "GET", "/observe/health/live", null, null).statusCode()).isEqualTo(200);
            assertThat(send(https, child, "GET", "/observe/health/ready", null, null).statusCode()).isEqualTo(200);
            for (String p : List.of("/observe/metrics", "/openapi")) {
                assertThat(send(https, child, "GET", p, null, null).statusCode()).as(p).isEqualTo(401);
                assertThat(send(https, child, "GET", p, null, READER_TOKEN).statusCode()).as(p).isEqualTo(200);
            }

            // The Origin rule: a web page's request is refused unless its origin is listed.
            HttpResponse<String> evil = https.send(request(child, "PATCH", "/hypervisors", "{}", WRITER_TOKEN)
                    .header("Origin", "https://evil.example.com").build(), HttpResponse.BodyHandlers.ofString());
            assertThat(evil.statusCode()).isEqualTo(403);
            assertErrorBody(evil, 403);
            HttpResponse<String> listed = https.send(request(child, "GET", "/hypervisors", null, READER_TOKEN)
                    .header("Origin", ALLOWED_ORIGIN).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(listed.statusCode()).isEqualTo(200);

            // Plain HTTP to the TLS port gets no HTTP answer.
            assertThat(plainHttpAnswers(child.port)).as("plain HTTP answered on the TLS port").isFalse();

            // curl, as an operator would run it.
            Process curl = new ProcessBuilder("curl", "-sS", "--cacert", dir.resolve("ca.crt").toString(),
                    "-H", "Authorization: Bearer " + READER_TOKEN, "-o", "/dev/null", "-w", "%{http_code}",
                    "https://127.0.0.1:" + child.port + "/hypervisors").redirectErrorStream(true).start();
            assertThat(curl.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("200");

            child.terminate();
            assertThat(child.awaitExit(Duration.ofSeconds(30))).isZero();
            String log = child.stderr();
            assertThat(log).as("no token in the log").doesNotContain(READER_TOKEN).doesNotContain(WRITER_TOKEN);
            assertThat(log).containsPattern("INFO chypervisord\\.audit: who=agent method=POST path=/hypervisors status=201 revision=\\d+");
            assertThat(log).containsPattern("INFO chypervisord\\.audit: who=agent method=DELETE path=/hypervisors/" + id + " status=200");
            assertThat(log).contains("INFO chypervisord.audit: who=anonymous method=GET path=/observe/metrics status=401 revision=-");
            assertThat(log).contains("INFO chypervisord.audit: who=dashboard method=PATCH path=/hypervisors/" + id + " status=403");
            assertThat(log).contains("INFO chypervisord.audit: who=anonymous method=PATCH path=/hypervisors status=403");
            assertThat(log).doesNotContain("anyone who can reach port");
        }
    }

    // ---------------------------------------------------------------- mutual TLS

    @Test
    @DisplayName("mutual TLS: a client certificate's CN names the caller; another CA's certificate or none is refused")
    void clientCertificates() throws Exception {
        try (ChildProcess child = startTls(true)) {
            HttpClient writer = client("writer-client");
            awaitServing(child, writer);
            HttpClient reader = client("reader-client");
            String id = UUID.randomUUID().toString();
            assertThat(send(writer, child, "POST", "/hypervisors", "{\"id\":\"" + id + "\"}", null).statusCode()).isEqualTo(201);
            assertThat(send(reader, child, "GET", "/hypervisors/" + id, null, null).statusCode()).isEqualTo(200);
            assertThat(send(reader, child, "PATCH", "/hypervisors/" + id, "{\"ip\":\"10.0.0.1\"}", null).statusCode()).isEqualTo(403);
            assertThat(send(writer, child, "PATCH", "/hypervisors/" + id, "{\"ip\":\"10.0.0.1\"}", null).statusCode()).isEqualTo(200);
            String subnet = UUID.randomUUID().toString();
            send(writer, child, "PATCH", "/hypervisors/" + id + "/subnets", "{\"" + subnet + "\":\"br0\"}", null);
            for (ApiRoutes.Route route : ApiRoutes.ALL) {
                if (route.method().equals("DELETE") && route.template().equals("/hypervisors/{id}")) {
                    continue;
                }
                String path = route.template().replace("{id}", id).replace("{subnetId}", subnet);
                int asReader = send(reader, child, route.method(), path, body(route, id), null).statusCode();
                assertThat(asReader).as("%s %s with the reader's certificate", route.method(), path)
                        .isEqualTo(route.method().equals("GET") ? 200 : 403);
                int asWriter = send(writer, child, route.method(), path, body(route, id), null).statusCode();
                assertThat(asWriter).as("%s %s with the writer's certificate", route.method(), path).isBetween(200, 299);
                if (route.template().endsWith("{subnetId}")) {
                    send(writer, child, "PATCH", "/hypervisors/" + id + "/subnets", "{\"" + subnet + "\":\"br0\"}", null);
                }
            }
            assertThat(send(client("nobody-client"), child, "GET", "/hypervisors", null, null).statusCode())
                    .as("a certificate of the trusted CA with no rule").isEqualTo(401);
            // A token still works over mutual TLS, and wins over the certificate.
            assertThat(send(reader, child, "PATCH", "/hypervisors/" + id, "{\"ip\":\"10.0.0.2\"}", WRITER_TOKEN).statusCode())
                    .isEqualTo(200);
            for (String stranger : new String[] {"intruder", null}) {
                assertThatThrownBy(() -> send(client(stranger), child, "GET", "/hypervisors", null, WRITER_TOKEN))
                        .as("handshake with %s", stranger == null ? "no certificate" : "another CA's certificate")
                        .isInstanceOf(UncheckedIOException.class);
            }
            child.terminate();
            child.awaitExit(Duration.ofSeconds(30));
            assertThat(child.stderr()).contains("INFO chypervisord.audit: who=writer-cert method=PATCH path=/hypervisors/" + id
                    + " status=200").contains("who=reader-cert method=PATCH path=/hypervisors/" + id + " status=403");
        }
    }

    // ---------------------------------------------------------------- SIGHUP

    @Test
    @DisplayName("SIGHUP swaps the certificate and the rules while a request stream goes on; a bad file keeps the old")
    void sighupReloads() throws Exception {
        Path access = dir.resolve("access-hup");
        Files.copy(dir.resolve("access"), access, StandardCopyOption.REPLACE_EXISTING);
        Path cert = dir.resolve("hup.crt");
        Path key = dir.resolve("hup.key");
        Files.copy(dir.resolve("server.crt"), cert, StandardCopyOption.REPLACE_EXISTING);
        Files.copy(dir.resolve("server.key"), key, StandardCopyOption.REPLACE_EXISTING);
        try (ChildProcess child = ChildProcess.start(ChildProcess.SHIPPED_JVM_OPTIONS, 0, ChildProcess.freePort(),
                "--tls-cert", cert.toString(), "--tls-key", key.toString(), "--auth-file", access.toString(), "-l", "info")) {
            HttpClient https = client(null);
            awaitServing(child, https);
            assertThat(servedCertificate(https, child)).isEqualTo("CN=chypervisord-server");

            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger ok = new AtomicInteger();
            List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
            Thread stream = Thread.ofPlatform().start(() -> {
                HttpClient kept = client(null);
                while (!stop.get()) {
                    try {
                        int status = send(kept, child, "GET", "/hypervisors", null, WRITER_TOKEN).statusCode();
                        if (status == 200) {
                            ok.incrementAndGet();
                        } else {
                            failures.add("status " + status);
                        }
                    } catch (RuntimeException e) {
                        failures.add(e.toString());
                    }
                }
            });
            OpsHttp.sleep(500);
            Files.copy(dir.resolve("server2.crt"), cert, StandardCopyOption.REPLACE_EXISTING);
            Files.copy(dir.resolve("server2.key"), key, StandardCopyOption.REPLACE_EXISTING);
            Files.writeString(access, "sha256:" + AccessRules.sha256Hex(WRITER_TOKEN) + ",agent,writer\n");
            hup(child);
            long giveUp = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (send(https, child, "GET", "/hypervisors", null, READER_TOKEN).statusCode() != 401) {
                assertThat(System.nanoTime()).as("the removed token is refused after the SIGHUP").isLessThan(giveUp);
                OpsHttp.sleep(200);
            }
            assertThat(servedCertificate(client(null), child)).isEqualTo("CN=chypervisord-server2");

            // A broken access file at SIGHUP: the rules in force stay.
            Files.writeString(access, "this is not a rule\n");
            hup(child);
            // Until the service says it read the broken file (a fixed pause could end before the
            // reload on a busy machine, and the check below would then prove nothing).
            giveUp = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!child.stderr().contains("keeping the access rules in force")) {
                assertThat(System.nanoTime()).as("the reload of the broken access file is logged").isLessThan(giveUp);
                OpsHttp.sleep(100);
            }
            assertThat(send(https, child, "GET", "/hypervisors", null, WRITER_TOKEN).statusCode()).isEqualTo(200);

            stop.set(true);
            stream.join(30_000);
            assertThat(failures).as("the request stream during the reloads").isEmpty();
            assertThat(ok.get()).isPositive();
            child.terminate();
            child.awaitExit(Duration.ofSeconds(30));
            assertThat(child.stderr()).contains("reloaded the TLS certificate: CN=chypervisord-server2")
                    .contains("keeping the access rules in force: bad --auth-file");
        }
    }

    // ---------------------------------------------------------------- open mode, bad files

    @Test
    @DisplayName("without an auth file the service serves everyone, warns so, and still refuses foreign web origins")
    void openMode() throws Exception {
        try (ChildProcess child = ChildProcess.startShipped(); OpsHttp http = new OpsHttp(child.port)) {
            child.awaitServing(http);
            assertThat(http.send("POST", "/hypervisors", "{\"id\":\"" + UUID.randomUUID() + "\"}").statusCode()).isEqualTo(201);
            HttpResponse<String> cross = http.send("POST", "/hypervisors", "{\"id\":\"" + UUID.randomUUID() + "\"}",
                    "Content-Type", "text/plain", "Origin", "http://attacker.example");
            assertThat(cross.statusCode()).isEqualTo(403);
            child.terminate();
            child.awaitExit(Duration.ofSeconds(30));
            assertThat(child.stderr()).contains("WARN io.lochness.chypervisord.bootstrap.Chypervisord: no --auth-file: anyone who can reach port")
                    .contains("who=anonymous method=POST path=/hypervisors status=201")
                    .contains("who=anonymous method=POST path=/hypervisors status=403");
        }
    }

    @Test
    @DisplayName("a bad auth file or certificate at start: one line on stderr and exit 2")
    void badFilesAtStart() throws Exception {
        Path bad = dir.resolve("bad-access");
        Files.writeString(bad, "sha256:1234,someone,reader\n");
        for (String[] args : List.of(new String[] {"--auth-file", bad.toString()},
                new String[] {"--auth-file", dir.resolve("missing").toString()},
                new String[] {"--tls-cert", dir.resolve("ca.key").toString(), "--tls-key", dir.resolve("server.key").toString()},
                new String[] {"--tls-cert", dir.resolve("server.crt").toString()})) {
            try (ChildProcess child = ChildProcess.start(ChildProcess.SHIPPED_JVM_OPTIONS, 0, ChildProcess.freePort(), args)) {
                int status = child.awaitExit(Duration.ofSeconds(30));
                assertThat(status).as(child.stderr()).isEqualTo(2);
                assertThat(child.stderr().strip().lines().toList()).as(child.stderr()).hasSize(1);
                assertThat(child.stderr()).startsWith("chypervisord: ").doesNotContain("\tat ");
            }
        }
    }

    // ---------------------------------------------------------------- helpers

    private ChildProcess startTls(boolean mutual) {
        List<String> args = new ArrayList<>(List.of("--tls-cert", dir.resolve("live.crt").toString(),
                "--tls-key", dir.resolve("live.key").toString(), "--auth-file", dir.resolve("access").toString(),
                "--allowed-origins", ALLOWED_ORIGIN, "--address", "127.0.0.1"));
        if (mutual) {
            args.addAll(List.of("--tls-client-ca", dir.resolve("ca.crt").toString()));
        }
        return ChildProcess.start(ChildProcess.SHIPPED_JVM_OPTIONS, 0, ChildProcess.freePort(), args.toArray(String[]::new));
    }

    private static String body(ApiRoutes.Route route, String id) {
        return switch (route.method() + " " + route.template()) {
            case "POST /hypervisors" -> "{\"id\":\"" + UUID.randomUUID() + "\"}";
            case "PATCH /hypervisors/{id}" -> "{\"ip\":\"10.1.2.3\"}";
            case "PATCH /hypervisors/{id}/config" -> "{\"k\":\"v\"}";
            case "PATCH /hypervisors/{id}/subnets" -> "{\"" + UUID.randomUUID() + "\":\"br1\"}";
            default -> null;
        };
    }

    private void awaitServing(ChildProcess child, HttpClient https) {
        long giveUp = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < giveUp) {
            try {
                if (send(https, child, "GET", "/observe/health/live", null, null).statusCode() == 200) {
                    return;
                }
            } catch (UncheckedIOException e) {
                // not yet
            }
            if (!child.isAlive()) {
                throw new AssertionError("exited: " + child.stderr());
            }
            OpsHttp.sleep(200);
        }
        throw new AssertionError("not serving within 60 s: " + child.stderr());
    }

    private static HttpRequest.Builder request(ChildProcess child, String method, String path, String body, String token) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + child.port + path))
                .timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return b;
    }

    private static HttpResponse<String> send(HttpClient client, ChildProcess child, String method, String path, String body,
            String token) {
        try {
            return client.send(request(child, method, path, body, token).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + path, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String servedCertificate(HttpClient client, ChildProcess child) throws Exception {
        HttpResponse<String> r = client.send(request(child, "GET", "/observe/health/live", null, null).build(),
                HttpResponse.BodyHandlers.ofString());
        X509Certificate served = (X509Certificate) r.sslSession().orElseThrow().getPeerCertificates()[0];
        return served.getSubjectX500Principal().getName();
    }

    private static void assertErrorBody(HttpResponse<String> r, int status) {
        JsonNode j = OpsHttp.json(r);
        assertThat(j.path("code").asInt()).isEqualTo(status);
        assertThat(j.path("message").asText()).isNotBlank();
    }

    private static boolean plainHttpAnswers(int port) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(5000);
            s.getOutputStream().write("GET /observe/health/live HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            InputStream in = s.getInputStream();
            byte[] head = in.readNBytes(8);
            return new String(head, StandardCharsets.ISO_8859_1).startsWith("HTTP/1.1");
        } catch (IOException e) {
            return false;
        }
    }

    private static void hup(ChildProcess child) throws Exception {
        Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(child.pid())).inheritIO().start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(kill.exitValue()).isZero();
    }

    /** A client that trusts the test CA; with {@code certificate}, it presents that client certificate. */
    private HttpClient client(String certificate) {
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            try (InputStream in = Files.newInputStream(dir.resolve("ca.crt"))) {
                trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            KeyManagerFactory kmf = null;
            if (certificate != null) {
                KeyStore keys = KeyStore.getInstance("PKCS12");
                try (InputStream in = Files.newInputStream(dir.resolve(certificate + ".p12"))) {
                    keys.load(in, "test".toCharArray());
                }
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(keys, "test".toCharArray());
            }
            SSLContext ssl = SSLContext.getInstance("TLS");
            ssl.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            return HttpClient.newBuilder().sslContext(ssl).version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(10)).build();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private void signed(String name, String subject, String ca, String extensions) throws Exception {
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", subject,
                "-keyout", name + ".key", "-out", name + ".csr");
        List<String> sign = new ArrayList<>(List.of("x509", "-req", "-in", name + ".csr", "-CA", ca + ".crt", "-CAkey",
                ca + ".key", "-CAcreateserial", "-days", "2", "-out", name + ".crt"));
        if (extensions != null) {
            sign.addAll(List.of("-extfile", extensions));
        }
        openssl(sign.toArray(String[]::new));
    }

    private void pkcs12(String name) throws Exception {
        openssl("pkcs12", "-export", "-in", name + ".crt", "-inkey", name + ".key", "-out", name + ".p12",
                "-passout", "pass:test");
    }

    private void openssl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("openssl %s: %s", cmd, out).isZero();
    }
}
