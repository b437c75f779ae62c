package io.lochness.chypervisord.adapter.out.etcd;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * etcd processes with flags of a test's choosing (auth tokens, TLS, several members), on loopback
 * ports, each with a plain-HTTP metrics listener for its {@code /health}. Closing stops them and
 * deletes their data.
 *
 * <p>Without an etcd binary the calling test is skipped (reported as skipped), but fails when the
 * environment variable {@code CI} is {@code true}, as with {@link EtcdServerExtension}.
 */
final class LocalEtcd implements AutoCloseable {
    private static final String LOOPBACK = "127.0.0.1";
    /** A member starts in about a second; the rest is slack for a loaded machine and a busy disk. */
    private static final Duration STARTUP_WAIT = Duration.ofSeconds(60);

    /** One member: its ports, data and process. */
    static final class Member {
        final String name;
        final int clientPort;
        final int peerPort;
        final int metricsPort;
        final Path log;
        List<String> command;
        Process process;

        Member(String name, int clientPort, int peerPort, int metricsPort, Path log) {
            this.name = name;
            this.clientPort = clientPort;
            this.peerPort = peerPort;
            this.metricsPort = metricsPort;
            this.log = log;
        }

        String hostPort() {
            return LOOPBACK + ":" + clientPort;
        }
    }

    private final Path root;
    private final List<Member> members = new ArrayList<>();
    private final String clientScheme;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** The etcd binary, or the test is skipped (failed under CI=true). */
    static Path binary() {
        Optional<Path> binary = EtcdProcess.findBinary();
        if (binary.isEmpty() && "true".equalsIgnoreCase(System.getenv("CI"))) {
            throw new IllegalStateException("no etcd binary on the PATH: CI must run the etcd tests");
        }
        Assumptions.assumeTrue(binary.isPresent(), "no etcd binary on the PATH");
        return binary.get();
    }

    /**
     * Starts {@code size} members forming one cluster, with {@code extraArgs} each, clients on
     * {@code clientScheme} ({@code http} or {@code https}), and waits until every one is healthy.
     */
    static LocalEtcd start(int size, String clientScheme, List<String> extraArgs) throws IOException {
        for (int attempt = 1; ; attempt++) {
            try {
                return startOnce(size, clientScheme, extraArgs);
            } catch (IllegalStateException e) {
                // The ports were free when chosen; another process may still bind one first.
                if (attempt >= 3 || !TestPorts.portTaken(e.getMessage())) {
                    throw e;
                }
            }
        }
    }

    private static LocalEtcd startOnce(int size, String clientScheme, List<String> extraArgs) throws IOException {
        Path binary = binary();
        LocalEtcd etcd = new LocalEtcd(Files.createTempDirectory("etcd-local-"), clientScheme);
        try {
            String token = "t-" + UUID.randomUUID().toString().substring(0, 8);
            for (int i = 0; i < size; i++) {
                etcd.members.add(new Member("m" + i, TestPorts.free(), TestPorts.free(), TestPorts.free(),
                        etcd.root.resolve("m" + i + ".log")));
            }
            StringBuilder cluster = new StringBuilder();
            for (Member m : etcd.members) {
                cluster.append(cluster.isEmpty() ? "" : ",").append(m.name).append("=http://").append(LOOPBACK).append(':').append(m.peerPort);
            }
            for (Member m : etcd.members) {
                String client = clientScheme + "://" + m.hostPort();
                String peer = "http://" + LOOPBACK + ":" + m.peerPort;
                List<String> command = new ArrayList<>(List.of(
                        binary.toString(),
                        "--name", m.name,
                        "--data-dir", etcd.root.resolve(m.name).toString(),
                        "--listen-client-urls", client,
                        "--advertise-client-urls", client,
                        "--listen-peer-urls", peer,
                        "--initial-advertise-peer-urls", peer,
                        "--listen-metrics-urls", "http://" + LOOPBACK + ":" + m.metricsPort,
                        "--initial-cluster", cluster.toString(),
                        "--initial-cluster-token", token,
                        "--initial-cluster-state", "new",
                        "--logger", "zap",
                        "--log-outputs", "stderr"));
                command.addAll(extraArgs);
                m.command = command;
                etcd.launch(m);
            }
            for (Member m : etcd.members) {
                etcd.awaitHealthy(m);
            }
            return etcd;
        } catch (IOException | RuntimeException e) {
            etcd.close();
            throw e;
        }
    }

    private LocalEtcd(Path root, String clientScheme) {
        this.root = root;
        this.clientScheme = clientScheme;
    }

    List<Member> members() {
        return members;
    }

    /** A directory of this cluster's, deleted with it (for keys and certificates). */
    Path dir() {
        return root;
    }

    /** The client address of every member, e.g. {@code etcd://127.0.0.1:1,127.0.0.1:2}. */
    String address() {
        return (clientScheme.equals("https") ? "https" : "etcd") + "://"
                + String.join(",", members.stream().map(Member::hostPort).toList());
    }

    /** SIGKILLs a member and waits until it is gone. */
    void kill(Member m) {
        m.process.destroyForcibly();
        try {
            if (!m.process.waitFor(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("etcd " + m.name + " survived SIGKILL");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Starts a killed member again on its data and waits until it is healthy (it has rejoined). */
    void restart(Member m) throws IOException {
        List<String> again = new ArrayList<>(m.command);
        int state = again.indexOf("--initial-cluster-state");
        again.set(state + 1, "existing");
        m.command = again;
        launch(m);
        awaitHealthy(m);
    }

    /** Whether {@code /health} of the member answers healthy now. */
    boolean healthy(Member m) {
        try {
            HttpResponse<String> response = http.send(
                    HttpRequest.newBuilder(URI.create("http://" + LOOPBACK + ":" + m.metricsPort + "/health"))
                            .timeout(Duration.ofSeconds(2)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 && response.body().contains("\"true\"");
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    String logTail(Member m) {
        try {
            List<String> lines = Files.readAllLines(m.log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public void close() {
        for (Member m : members) {
            if (m.process != null && m.process.isAlive()) {
                kill(m);
            }
        }
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not delete " + root, e);
        }
    }

    private void launch(Member m) throws IOException {
        Files.writeString(m.log, "---- " + String.join(" ", m.command) + "\n", StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        m.process = new ProcessBuilder(m.command)
                .directory(root.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(m.log.toFile()))
                .start();
    }

    private void awaitHealthy(Member m) {
        long giveUp = System.nanoTime() + STARTUP_WAIT.toNanos();
        while (System.nanoTime() < giveUp) {
            if (!m.process.isAlive()) {
                throw new IllegalStateException("etcd " + m.name + " exited; its log:\n" + logTail(m));
            }
            if (healthy(m)) {
                return;
            }
            EtcdServer.sleep(100);
        }
        throw new IllegalStateException("etcd " + m.name + " not healthy within " + STARTUP_WAIT + "; its log:\n" + logTail(m));
    }

    /** Runs a command (openssl) in {@code dir} and fails with its output when it fails. */
    static void run(Path dir, String... command) throws IOException {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
