package io.lochness.chypervisord.cli;

import static io.lochness.chypervisord.cli.HvRunner.lines;
import static io.lochness.chypervisord.cli.TestRecords.A;
import static io.lochness.chypervisord.cli.TestRecords.B;
import static io.lochness.chypervisord.cli.TestRecords.UNKNOWN;
import static io.lochness.chypervisord.cli.TestRecords.spec;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The repository's {@code ./hv} launcher and the built {@code cli/target/hv.jar}, run by bash as
 * an operator runs them: real pipes between processes (so standard input really is a pipe), real
 * exit statuses. Runs after package (failsafe), when the jar is fresh and nothing is rebuilt.
 */
class HvLauncherIT {
    /** The launcher; failsafe runs in the module directory. */
    private static final Path HV = Path.of("..", "hv").toAbsolutePath().normalize();

    private static RealService service;

    private record Run(int status, String out, String err) {}

    @BeforeAll
    static void startService() {
        assertThat(Path.of("target", "hv.jar")).as("the built jar (mvn verify packages it first)").isRegularFile();
        service = RealService.memory();
    }

    @AfterAll
    static void stopService() {
        service.close();
    }

    @BeforeEach
    void twoHypervisors() {
        service.clear();
        service.send("POST", "/hypervisors", spec(B));
        service.send("POST", "/hypervisors", spec(A));
        service.send("PATCH", "/hypervisors/" + A + "/config", "{\"foo\":\"bar\"}");
    }

    /** Runs {@code script} with bash, {@code hv} being the launcher, standard input /dev/null. */
    private static Run bash(String script) throws IOException, InterruptedException {
        Path out = Files.createTempFile("hv-it-", ".out");
        Path err = Files.createTempFile("hv-it-", ".err");
        try {
            ProcessBuilder builder = new ProcessBuilder("bash", "-c", "hv() { \"" + HV + "\" \"$@\"; }; " + script)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile());
            builder.environment().put("HV_SERVER", service.url());
            Process process = builder.start();
            assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("bash -c %s ended", script).isTrue();
            return new Run(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    @Test
    @DisplayName("./hv --version runs the built jar without rebuilding it")
    void version() throws Exception {
        Run run = bash("hv --version");
        assertThat(run.err()).as("nothing rebuilt, nothing on stderr").isEmpty();
        assertThat(run.out()).matches("hv \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?\\n");
        assertThat(run.status()).isZero();
    }

    @Test
    @DisplayName("hv list | hv config list through a real pipe; hv list </dev/null lists all")
    void realPipe() throws Exception {
        Run pipe = bash("set -o pipefail; hv list | hv config list");
        assertThat(pipe.err()).isEmpty();
        assertThat(pipe.out()).isEqualTo(lines(A, "└── foo:bar", B));
        assertThat(pipe.status()).isZero();
        Run devNull = bash("hv list </dev/null");
        assertThat(devNull.out()).isEqualTo(lines(A, B));
        Run named = bash("echo " + B + " | hv guests list -j");
        assertThat(named.out()).isEqualTo(lines("{\"id\":\"" + B + "\",\"guests\":[]}"));
    }

    @Test
    @DisplayName("hv -j list | hv delete deletes what was listed")
    void jsonPipeIntoDelete() throws Exception {
        Run run = bash("set -o pipefail; hv -j list " + B + " | hv delete");
        assertThat(run.out()).isEqualTo(lines(B));
        assertThat(run.status()).isZero();
        assertThat(bash("hv list").out()).isEqualTo(lines(A));
    }

    @Test
    @DisplayName("exit statuses through the launcher: 1 for a failed request (one line), 2 for a usage error")
    void exitStatuses() throws Exception {
        Run failed = bash("hv list " + A + " " + UNKNOWN);
        assertThat(failed.out()).isEqualTo(lines(A));
        assertThat(failed.err()).isEqualTo("hv: 404 hypervisor " + UNKNOWN + " not found\n");
        assertThat(failed.status()).isEqualTo(1);
        Run usage = bash("hv lsit");
        assertThat(usage.err()).startsWith("hv: ").hasLineCount(1);
        assertThat(usage.status()).isEqualTo(2);
        Run unreachable = bash("hv -s http://127.0.0.1:1 list");
        assertThat(unreachable.err()).isEqualTo("hv: cannot reach http://127.0.0.1:1: connection refused\n");
        assertThat(unreachable.status()).isEqualTo(1);
    }

    @Test
    @DisplayName("source <(hv completion) makes bash complete hv's commands")
    void completionInstalls() throws Exception {
        Run run = bash("source <(hv completion); complete -p hv");
        assertThat(run.out()).contains("_complete_hv").contains(" hv");
        assertThat(run.status()).isZero();
    }
}
