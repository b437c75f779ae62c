package io.lochness.chypervisord.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LaunchTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private Main.Launch launch(String... args) {
        return Main.launch(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @ValueSource(strings = {"--bogus", "-p|notaport", "-k|redis://localhost:6379", "-k|etcd://host:99999",
        "-l|loud", "extra"})
    @DisplayName("a bad command line prints one line on stderr and exits 2, starting nothing")
    void usageErrorsExit2(String spelled) {
        Main.Launch launch = launch(spelled.split("\\|"));
        assertThat(launch.app()).isNull();
        assertThat(launch.exitCode()).isEqualTo(2);
        String text = err.toString(StandardCharsets.UTF_8);
        assertThat(text).startsWith("chypervisord: ");
        assertThat(text.strip().lines()).hasSize(1);
    }

    @Test
    @DisplayName("--help prints the usage with both spellings of every flag and exits 0")
    void help() {
        Main.Launch launch = launch("--help");
        assertThat(launch.exitCode()).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8))
                .contains("-k, --kv", "-l, --log-level", "-p, --port", "http://localhost:4001", "17000");
    }

    @Test
    @DisplayName("-Dchypervisord.checkFlags=true checks the flags and prints kv and port, starting nothing")
    void checkFlagsOnly() {
        System.setProperty(Main.CHECK_FLAGS, "true");
        try {
            Main.Launch ok = launch("-k", "etcd://10.0.0.1:2379", "--port=18000");
            assertThat(ok.app()).isNull();
            assertThat(ok.exitCode()).isZero();
            assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("kv=etcd://10.0.0.1:2379\nport=18000\n");
            Main.Launch bad = launch("-k", "etcd://host:99999");
            assertThat(bad.app()).isNull();
            assertThat(bad.exitCode()).isEqualTo(2);
            assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("chypervisord: invalid --kv etcd://host:99999");
        } finally {
            System.clearProperty(Main.CHECK_FLAGS);
        }
    }

    @Test
    @DisplayName("--version prints the version and the git commit the build recorded, and exits 0")
    void version() {
        Main.Launch launch = launch("--version");
        assertThat(launch.app()).isNull();
        assertThat(launch.exitCode()).isZero();
        BuildInfo build = BuildInfo.current();
        assertThat(build.version()).as("filtered in by Maven").matches("\\d+\\.\\d+\\.\\d+.*");
        assertThat(build.commit()).as("git rev-parse HEAD at build time")
                .matches("[0-9a-f]{40}(-dirty)?|unknown");
        assertThat(out.toString(StandardCharsets.UTF_8))
                .isEqualTo("chypervisord " + build.version() + " (commit " + build.commit() + ")" + System.lineSeparator());
    }

    @Test
    @DisplayName("--kv mem:// wires the in-memory store under the domain and serves the API")
    void wiresMemoryStore() throws Exception {
        Main.Launch launch = launch("--kv", "mem://", "-p", "0");
        try (Chypervisord app = launch.app()) {
            assertThat(app.store().name()).isEqualTo("memory");
            HttpResponse<String> response = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + "/hypervisors")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("[]");
        }
    }

    @Test
    @DisplayName("--kv etcd:// and consul:// wire their adapters without contacting the store")
    void wiresStoreAdapters() {
        Main.Launch etcd = launch("--kv", "etcd://127.0.0.1:1", "-p", "0");
        try (Chypervisord app = etcd.app()) {
            assertThat(app.store().name()).isEqualTo("etcd");
        }
        Main.Launch consul = launch("--kv", "consul://127.0.0.1:1", "-p", "0");
        try (Chypervisord app = consul.app()) {
            assertThat(app.store().name()).isEqualTo("consul");
        }
    }
}
