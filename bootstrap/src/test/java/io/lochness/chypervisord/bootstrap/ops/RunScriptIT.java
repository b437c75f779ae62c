package io.lochness.chypervisord.bootstrap.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * {@code run.sh}, run from a copy of the repository's scripts next to the built jar (so that the
 * repository's own {@code var/} is never touched, and no etcd is started): flags are refused
 * before anything starts, a second run is told that one is already running, output is plain.
 */
class RunScriptIT {
    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    private Path dir;
    private final List<Process> started = new ArrayList<>();

    @BeforeEach
    void copy() throws IOException {
        dir = Files.createTempDirectory("chypervisord-run-");
        Files.copy(REPO.resolve("run.sh"), dir.resolve("run.sh"));
        assertThat(dir.resolve("run.sh").toFile().setExecutable(true)).isTrue();
        Files.createDirectories(dir.resolve("scripts"));
        Files.copy(REPO.resolve("scripts/lib.sh"), dir.resolve("scripts/lib.sh"));
        Path target = Files.createDirectories(dir.resolve("bootstrap/target"));
        Files.createSymbolicLink(target.resolve("chypervisord.jar"), ChildProcess.JAR.toAbsolutePath());
    }

    @AfterEach
    void cleanUp() throws IOException, InterruptedException {
        for (Process p : started) {
            p.destroy();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
        }
    }

    private Process start(Path out, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("bash", dir.resolve("run.sh").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true)
                .redirectOutput(out.toFile());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process p = pb.start();
        started.add(p);
        return p;
    }

    private static int exit(Process p) throws InterruptedException {
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("run.sh finished").isTrue();
        return p.exitValue();
    }

    @Test
    @DisplayName("a bad flag is refused before anything starts: exit 2, one line, no var/etcd")
    void badFlagBeforeAnythingStarts() throws Exception {
        Path out = dir.resolve("out.txt");
        assertThat(exit(start(out, "--bogus"))).isEqualTo(2);
        assertThat(Files.readString(out).strip()).isEqualTo("chypervisord: unknown flag: --bogus (see --help)");
        assertThat(dir.resolve("var/etcd")).doesNotExist();
        assertThat(dir.resolve("var/etcd.log")).doesNotExist();
    }

    @Test
    @DisplayName("a second run.sh while one runs says 'already running' and exits 1; output has no ANSI codes")
    void secondRunIsToldAlreadyRunning() throws Exception {
        int port = ChildProcess.freePort();
        Path firstOut = dir.resolve("first.txt");
        Process first = start(firstOut, "--kv", "mem://", "-p", Integer.toString(port), "-l", "info");
        try (OpsHttp http = new OpsHttp(port)) {
            http.pollGet("/observe/health/live", r -> r.statusCode() == 200, Duration.ofSeconds(90));
        }
        Path secondOut = dir.resolve("second.txt");
        assertThat(exit(start(secondOut, "--kv", "mem://", "-p", Integer.toString(ChildProcess.freePort()))))
                .isEqualTo(1);
        assertThat(Files.readString(secondOut)).contains("already running");

        first.destroy(); // SIGTERM: a graceful stop, passed on to the JVM
        assertThat(exit(first)).isZero();
        String output = Files.readString(firstOut, StandardCharsets.UTF_8);
        assertThat(output).contains("chypervisord listening on port " + port);
        assertThat(output).as("plain output").doesNotContain("\u001b");
    }
}
