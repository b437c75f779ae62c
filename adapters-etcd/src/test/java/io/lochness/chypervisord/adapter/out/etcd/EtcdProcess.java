package io.lochness.chypervisord.adapter.out.etcd;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Runs etcd as a local process: the {@code etcd} binary, loopback ports, a temporary data dir. */
final class EtcdProcess implements EtcdServer.Backend {

    private static final String LOOPBACK = "127.0.0.1";

    private final Path binary;
    private final Path root;
    private final Path log;
    private final int clientPort;
    private final List<String> command;
    private Process process;

    EtcdProcess(Path binary) throws IOException {
        this(binary, List.of());
    }

    /** An etcd started with {@code extraFlags} after the usual ones (e.g. {@code --enable-v2}). */
    EtcdProcess(Path binary, List<String> extraFlags) throws IOException {
        this.binary = binary;
        this.root = Files.createTempDirectory("etcd-test-");
        this.log = root.resolve("etcd.log");
        this.clientPort = TestPorts.free();
        int peerPort = TestPorts.free();
        String name = "test-" + UUID.randomUUID().toString().substring(0, 8);
        String client = "http://" + LOOPBACK + ":" + clientPort;
        String peer = "http://" + LOOPBACK + ":" + peerPort;
        List<String> flags =
                List.of(
                        binary.toString(),
                        "--name", name,
                        "--data-dir", root.resolve("data").toString(),
                        "--listen-client-urls", client,
                        "--advertise-client-urls", client,
                        "--listen-peer-urls", peer,
                        "--initial-advertise-peer-urls", peer,
                        "--initial-cluster", name + "=" + peer,
                        "--initial-cluster-token", name,
                        "--initial-cluster-state", "new",
                        "--logger", "zap",
                        "--log-outputs", "stderr");
        List<String> all = new ArrayList<>(flags);
        all.addAll(extraFlags);
        this.command = List.copyOf(all);
    }

    /** The {@code etcd} binary on the PATH, or in /usr/bin or /usr/local/bin. */
    static Optional<Path> findBinary() {
        Set<Path> dirs = new LinkedHashSet<>();
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(File.pathSeparator)) {
                if (!dir.isBlank()) {
                    dirs.add(Path.of(dir));
                }
            }
        }
        dirs.add(Path.of("/usr/bin"));
        dirs.add(Path.of("/usr/local/bin"));
        return dirs.stream()
                .map(dir -> dir.resolve("etcd"))
                .filter(file -> Files.isRegularFile(file) && Files.isExecutable(file))
                .findFirst();
    }

    @Override
    public String host() {
        return LOOPBACK;
    }

    @Override
    public int port() {
        return clientPort;
    }

    @Override
    public synchronized void launch() throws IOException {
        Files.writeString(
                log,
                "---- " + String.join(" ", command) + System.lineSeparator(),
                StandardCharsets.UTF_8,
                StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
        process =
                new ProcessBuilder(command)
                        .directory(root.toFile())
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                        .start();
    }

    @Override
    public synchronized void kill() {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("etcd (pid " + process.pid() + ") survived SIGKILL");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while killing etcd", e);
        }
    }

    @Override
    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    @Override
    public String logTail() {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join(System.lineSeparator(), lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log at " + log + ": " + e + ")";
        }
    }

    @Override
    public void destroy() {
        kill();
        try (Stream<Path> files = Files.walk(root)) {
            List<Path> all = new ArrayList<>(files.sorted(Comparator.reverseOrder()).toList());
            for (Path file : all) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not delete etcd data in " + root, e);
        }
    }

    @Override
    public String toString() {
        return "etcd process " + binary + " in " + root;
    }

}
