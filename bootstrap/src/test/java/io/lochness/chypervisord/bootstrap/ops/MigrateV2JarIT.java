package io.lochness.chypervisord.bootstrap.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The packaged jar dispatches {@code migrate-v2}: its help, and an unreachable {@code --from} in one line. */
class MigrateV2JarIT {
    record Exit(int status, String out, String err) {}

    private static Exit run(String... args) throws Exception {
        assertThat(ChildProcess.JAR).as("packaged jar (integration-test phase)").isRegularFile();
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "--sun-misc-unsafe-memory-access=allow",
                "-jar", ChildProcess.JAR.toString()));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile("migrate-", ".out");
        Path err = Files.createTempFile("migrate-", ".err");
        try {
            Process p = new ProcessBuilder(cmd)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("migrate-v2 did not exit within 60 s");
            }
            return new Exit(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    @Test
    @DisplayName("chypervisord migrate-v2 -h explains the command and exits 0")
    void help() throws Exception {
        Exit e = run("migrate-v2", "-h");
        assertThat(e.status()).as(e.toString()).isZero();
        assertThat(e.out()).startsWith("Usage: chypervisord migrate-v2 --from http(s)://HOST:PORT");
        assertThat(e.err()).isEmpty();
    }

    @Test
    @DisplayName("an unreachable --from is one line on standard error and exit status 1")
    void unreachableFrom() throws Exception {
        int port = ChildProcess.freePort();
        Exit e = run("migrate-v2", "--from", "http://127.0.0.1:" + port, "--kv", "etcd://127.0.0.1:" + ChildProcess.freePort());
        assertThat(e.status()).as(e.toString()).isEqualTo(1);
        assertThat(e.out()).isEmpty();
        assertThat(e.err()).isEqualTo("chypervisord migrate-v2: cannot reach etcd's v2 API at http://127.0.0.1:" + port
                + ": connection refused or timed out\n");
    }

    @Test
    @DisplayName("the service's --help names the command")
    void serviceHelpNamesIt() throws Exception {
        Exit e = run("--help");
        assertThat(e.status()).isZero();
        assertThat(e.out()).contains("chypervisord migrate-v2 --from");
    }
}
