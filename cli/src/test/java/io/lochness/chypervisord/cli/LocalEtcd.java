package io.lochness.chypervisord.cli;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A real etcd for hv's tests: the {@code etcd} binary on loopback ports with a temporary data
 * directory, and keys written straight into it through its JSON gateway, as the other lochness
 * daemons write guests. The test is skipped (not passed) when etcd is not installed.
 */
final class LocalEtcd implements AutoCloseable {
    private final Process process;
    private final Path dir;
    private final int clientPort;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    private LocalEtcd(Process process, Path dir, int clientPort) {
        this.process = process;
        this.dir = dir;
        this.clientPort = clientPort;
    }

    static LocalEtcd start() throws IOException {
        Optional<Path> binary = findBinary();
        Assumptions.assumeTrue(binary.isPresent(), "etcd is not installed (./test.sh installs it): skipped");
        for (int attempt = 1; ; attempt++) {
            try {
                return startOnce(binary.get());
            } catch (IllegalStateException e) {
                // Its ports were free when chosen; another process may still bind one first.
                if (attempt >= 3 || !e.getMessage().contains("address already in use")) {
                    throw e;
                }
            }
        }
    }

    private static LocalEtcd startOnce(Path binary) throws IOException {
        Path dir = Files.createTempDirectory("hv-etcd-");
        int client = freePort();
        int peer = freePort();
        String clientUrl = "http://127.0.0.1:" + client;
        String peerUrl = "http://127.0.0.1:" + peer;
        Process process = new ProcessBuilder(binary.toString(), "--name", "hv-test", "--data-dir",
                dir.resolve("data").toString(), "--listen-client-urls", clientUrl, "--advertise-client-urls", clientUrl,
                "--listen-peer-urls", peerUrl, "--initial-advertise-peer-urls", peerUrl,
                "--initial-cluster", "hv-test=" + peerUrl, "--initial-cluster-state", "new")
                .redirectErrorStream(true).redirectOutput(dir.resolve("etcd.log").toFile()).start();
        LocalEtcd etcd = new LocalEtcd(process, dir, client);
        try {
            etcd.awaitHealthy();
        } catch (RuntimeException e) {
            etcd.close();
            throw e;
        }
        return etcd;
    }

    /** The {@code --kv} address chypervisord gets. */
    String kv() {
        return "etcd://127.0.0.1:" + clientPort;
    }

    void put(String key, String value) {
        post("/v3/kv/put", "{\"key\":\"" + b64(key) + "\",\"value\":\"" + b64(value) + "\"}");
    }

    void delete(String key) {
        post("/v3/kv/deleterange", "{\"key\":\"" + b64(key) + "\"}");
    }

    /** Deletes every key under {@code prefix}. */
    void deletePrefix(String prefix) {
        byte[] end = prefix.getBytes(StandardCharsets.UTF_8);
        end[end.length - 1]++;
        post("/v3/kv/deleterange", "{\"key\":\"" + b64(prefix) + "\",\"range_end\":\""
                + Base64.getEncoder().encodeToString(end) + "\"}");
    }

    private void awaitHealthy() {
        // etcd starts in about a second; the rest is slack for a loaded machine and a busy disk.
        long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < giveUp) {
            if (!process.isAlive()) {
                throw new IllegalStateException("etcd exited: " + log());
            }
            try {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(
                        "http://127.0.0.1:" + clientPort + "/health")).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200 && response.body().contains("true")) {
                    return;
                }
            } catch (IOException e) {
                // not up yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new IllegalStateException("etcd was not healthy within 60 s: " + log());
    }

    private void post(String path, String body) {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + clientPort + path))
                    .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("etcd " + path + ": " + response.statusCode() + " " + response.body());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private String log() {
        try {
            List<String> lines = Files.readAllLines(dir.resolve("etcd.log"));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    private static Optional<Path> findBinary() {
        String path = System.getenv().getOrDefault("PATH", "");
        return Stream.concat(Stream.of(path.split(File.pathSeparator)).filter(d -> !d.isBlank()),
                        Stream.of("/usr/bin", "/usr/local/bin"))
                .map(d -> Path.of(d, "etcd"))
                .filter(f -> Files.isRegularFile(f) && Files.isExecutable(f))
                .findFirst();
    }

    private static final java.util.Set<Integer> HANDED_OUT = new java.util.HashSet<>();

    /**
     * A free loopback port for etcd to bind a little later, picked at random below the kernel's
     * ephemeral range: a port from {@code new ServerSocket(0)} is in that range, where any client
     * connection made meanwhile may take it as its local port (as bench/run.sh picks its ports).
     */
    private static synchronized int freePort() throws IOException {
        int low = 32_768;
        try {
            low = Integer.parseInt(Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim().split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            // keep the usual default
        }
        if (low <= 12_000) {
            low = 32_768;
        }
        for (int attempt = 0; attempt < 500; attempt++) {
            int port = java.util.concurrent.ThreadLocalRandom.current().nextInt(10_000, low);
            if (HANDED_OUT.contains(port)) {
                continue;
            }
            try (ServerSocket socket = new ServerSocket()) {
                socket.bind(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
            } catch (IOException taken) {
                continue;
            }
            HANDED_OUT.add(port);
            return port;
        }
        throw new IOException("no free loopback port found between 10000 and " + low);
    }

    private static String b64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            // a temporary directory: best effort
        }
    }
}
