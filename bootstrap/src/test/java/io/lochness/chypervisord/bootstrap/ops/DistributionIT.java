package io.lochness.chypervisord.bootstrap.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.lochness.chypervisord.bootstrap.BuildInfo;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The self-contained distribution ({@code target/chypervisord-VERSION-linux-x64.tar.gz}) unpacked
 * into an empty directory and run with an empty environment: no {@code java} on the PATH (the PATH
 * is an empty directory), no {@code JAVA_HOME}. It serves, and stops cleanly on SIGTERM.
 */
class DistributionIT {
    private static Path work;
    private static Path home;

    @BeforeAll
    static void unpack() throws Exception {
        Assumptions.assumeTrue(System.getProperty("os.name").equals("Linux")
                        && System.getProperty("os.arch").equals("amd64"),
                "the distribution is built for Linux x64 only");
        String version = BuildInfo.current().version();
        Path tarball = Path.of("target", "chypervisord-" + version + "-linux-x64.tar.gz");
        assertThat(tarball).as("the build makes the distribution on Linux x64 (profile 'distribution')").isRegularFile();
        work = Files.createTempDirectory("chypervisord-dist-");
        Process tar = new ProcessBuilder("tar", "-xzf", tarball.toAbsolutePath().toString(), "-C", work.toString())
                .redirectErrorStream(true).start();
        String out = new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(tar.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(tar.exitValue()).as(out).isZero();
        home = work.resolve("chypervisord-" + version);
        assertThat(home.resolve("bin/chypervisord")).isExecutable();
        assertThat(home.resolve("runtime/bin/java")).isExecutable();
        assertThat(home.resolve("lib/chypervisord.jar")).isRegularFile();
        assertThat(home.resolve("chypervisord.service")).isRegularFile();
        assertThat(home.resolve("INSTALL.md")).isRegularFile();
    }

    @AfterAll
    static void remove() throws IOException {
        if (work != null) {
            try (Stream<Path> files = Files.walk(work)) {
                files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
            }
        }
    }

    /** bin/chypervisord with {@code args}, in an environment holding only an empty PATH directory. */
    private static ProcessBuilder launcher(Path out, Path err, String... args) throws IOException {
        Path emptyPath = Files.createDirectories(work.resolve("empty-path"));
        List<String> cmd = new java.util.ArrayList<>(List.of(home.resolve("bin/chypervisord").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(work.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        Map<String, String> env = pb.environment();
        env.clear();
        env.put("PATH", emptyPath.toString());
        return pb;
    }

    @Test
    @DisplayName("bin/chypervisord --version runs on the bundled runtime with no Java in the environment")
    void version() throws Exception {
        Path out = work.resolve("version.out");
        Path err = work.resolve("version.err");
        Process p = launcher(out, err, "--version").start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(Files.readString(err)).isZero();
        assertThat(Files.readString(out)).isEqualTo(BuildInfo.current().line() + "\n");
        assertThat(Files.readString(err)).as("no JVM warnings").isEmpty();
    }

    @Test
    @DisplayName("unpacked into an empty directory, with no java on the PATH and no JAVA_HOME, it serves")
    void servesWithoutAJdk() throws Exception {
        int port = ChildProcess.freePort();
        Path out = work.resolve("serve.out");
        Path err = work.resolve("serve.err");
        Process p = launcher(out, err, "--kv", "mem://", "-p", Integer.toString(port)).start();
        try (OpsHttp http = new OpsHttp(port)) {
            HttpProbeLoop.awaitLive(http, p, err, Duration.ofSeconds(60));
            assertThat(http.send("POST", "/hypervisors", "{}").statusCode()).isEqualTo(201);
            assertThat(http.get("/hypervisors").statusCode()).isEqualTo(200);
            JsonNode info = OpsHttp.JSON.readTree(http.get("/observe/info").body());
            assertThat(info.path("version").asText()).isEqualTo(BuildInfo.current().version());
            String bundled = Files.readAllLines(home.resolve("runtime/release")).stream()
                    .filter(l -> l.startsWith("JAVA_VERSION=")).findFirst().orElseThrow()
                    .replace("JAVA_VERSION=", "").replace("\"", "");
            assertThat(info.path("java").asText()).as("the bundled runtime runs it").startsWith(bundled);
            assertThat(p.info().command()).hasValueSatisfying(c -> assertThat(c).startsWith(home.toString()));
        } finally {
            p.destroy(); // SIGTERM
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(p.exitValue()).as(Files.readString(err)).isZero();
        assertThat(Files.readString(err)).as("no JVM warnings (sun.misc.Unsafe)").doesNotContain("WARNING");
    }

    /** Polls liveness until it answers 200, the process dies, or the bound passes. */
    private static final class HttpProbeLoop {
        static void awaitLive(OpsHttp http, Process p, Path err, Duration bound) throws IOException {
            long giveUp = System.nanoTime() + bound.toNanos();
            while (System.nanoTime() < giveUp) {
                if (!p.isAlive()) {
                    throw new AssertionError("exited with " + p.exitValue() + ": " + Files.readString(err));
                }
                try {
                    if (http.get("/observe/health/live").statusCode() == 200) {
                        return;
                    }
                } catch (java.io.UncheckedIOException e) {
                    // not listening yet
                }
                OpsHttp.sleep(100);
            }
            throw new AssertionError("not serving within " + bound + ": " + Files.readString(err));
        }
    }
}
