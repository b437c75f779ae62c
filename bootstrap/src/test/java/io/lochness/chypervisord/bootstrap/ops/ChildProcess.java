package io.lochness.chypervisord.bootstrap.ops;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The built jar ({@code bootstrap/target/chypervisord.jar}) run as a child process, as an operator
 * runs it: its stdout and stderr captured, stopped with SIGTERM.
 */
final class ChildProcess implements AutoCloseable {
    /** The shaded jar; surefire runs in the module directory. */
    static final Path JAR = Path.of("target", "chypervisord.jar");

    final int port;
    private final Process process;
    private final Path stdout;
    private final Path stderr;

    private ChildProcess(int port, Process process, Path stdout, Path stderr) {
        this.port = port;
        this.process = process;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    /**
     * The JVM options the scripts ({@code scripts/lib.sh}) and the systemd unit ship; PackagingTest
     * checks that both still say exactly this.
     */
    static final List<String> SHIPPED_JVM_OPTIONS = List.of("-XX:+UseSerialGC", "-Xms32m", "-Xmx512m", "-XX:MinHeapFreeRatio=10", "-XX:MaxHeapFreeRatio=30", "-XX:+ExitOnOutOfMemoryError");

    /** Starts {@code java -jar chypervisord.jar --kv mem:// -p <free port> extraArgs...}. */
    static ChildProcess start(String... extraArgs) {
        return start(List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"), 0, freePort(), extraArgs);
    }

    /** Starts the jar with the JVM options the scripts and the unit ship. */
    static ChildProcess startShipped(String... extraArgs) {
        return start(SHIPPED_JVM_OPTIONS, 0, freePort(), extraArgs);
    }

    /**
     * Starts {@code java jvmOptions -jar chypervisord.jar --kv mem:// -p port extraArgs...}; with
     * {@code fileLimit > 0}, under {@code ulimit -n fileLimit} (through bash).
     */
    static ChildProcess start(List<String> jvmOptions, int fileLimit, int port, String... extraArgs) {
        if (!Files.isRegularFile(JAR)) {
            throw new AssertionError(JAR.toAbsolutePath() + " is missing: this test runs in the integration-test phase, after package (mvn verify)");
        }
        List<String> cmd = new ArrayList<>();
        if (fileLimit > 0) {
            cmd.addAll(List.of("bash", "-c", "ulimit -n " + fileLimit + " && exec \"$@\"", "bash"));
        }
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-Xshare:auto", "--sun-misc-unsafe-memory-access=allow",
                "-jar", JAR.toString(), "--kv", "mem://", "-p", Integer.toString(port)));
        cmd.addAll(List.of(extraArgs));
        try {
            // Output goes to files, read once the process has exited: a pipe read by a thread can lose
            // its last bytes when the JDK drains it at exit ("Stream closed" in the reading thread).
            Path out = Files.createTempFile("chypervisord-", ".out");
            Path err = Files.createTempFile("chypervisord-", ".err");
            Process process = new ProcessBuilder(cmd)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .start();
            return new ChildProcess(port, process, out, err);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /**
     * A free port for the service to bind once its JVM has started, a second or more later: below
     * the ephemeral range, where no client connection made meanwhile can take it as its local port
     * (see TestPorts).
     */
    static int freePort() {
        return io.lochness.chypervisord.adapter.out.etcd.TestPorts.free();
    }

    /** Waits (bounded) until the service answers its liveness check. */
    ChildProcess awaitServing(OpsHttp http) {
        long giveUp = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < giveUp) {
            if (!process.isAlive()) {
                throw new AssertionError("chypervisord exited with " + process.exitValue() + " before serving; stderr:\n"
                        + stderr());
            }
            try {
                if (http.get("/observe/health/live").statusCode() == 200) {
                    return this;
                }
            } catch (UncheckedIOException e) {
                // not listening yet
            }
            OpsHttp.sleep(100);
        }
        throw new AssertionError("chypervisord did not serve within 60 s; stderr:\n" + stderr());
    }

    /** Sends SIGTERM (Process.destroy on Linux). */
    void terminate() {
        process.destroy();
    }

    /** Waits up to {@code bound} for the process to end; returns its exit status, or fails. */
    int awaitExit(Duration bound) {
        try {
            if (!process.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("chypervisord did not exit within " + bound + "; stderr:\n" + stderr());
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Everything written to stderr so far (all of it once {@link #awaitExit} returned). */
    String stderr() {
        return read(stderr);
    }

    String stdout() {
        return read(stdout);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    long pid() {
        return process.pid();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            Files.deleteIfExists(stdout);
            Files.deleteIfExists(stderr);
        } catch (IOException e) {
            // temp files: best effort
        }
    }
}
