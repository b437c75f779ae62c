package io.lochness.chypervisord.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FlagsTest {

    @Test
    @DisplayName("no flags give the seed's defaults: http://localhost:4001, warn, 17000")
    void defaults() {
        assertThat(Flags.parse(Map.of())).contains(new Settings("http://localhost:4001", LogLevel.WARN, 17000));
    }

    @ParameterizedTest
    @ValueSource(strings = {"-k|mem://", "--kv|mem://", "--kv=mem://", "-k=mem://", "-kmem://"})
    @DisplayName("--kv is understood in every spelling pflag accepts")
    void kvSpellings(String spelled) {
        assertThat(Flags.parse(spelled.split("\\|")).orElseThrow().kv()).isEqualTo("mem://");
    }

    @ParameterizedTest
    @ValueSource(strings = {"-p|18000", "--port|18000", "--port=18000", "-p=18000", "-p18000"})
    @DisplayName("--port is understood in every spelling")
    void portSpellings(String spelled) {
        assertThat(Flags.parse(spelled.split("\\|")).orElseThrow().port()).isEqualTo(18000);
    }

    @ParameterizedTest
    @ValueSource(strings = {"debug", "info", "warn", "error", "fatal", "panic", "INFO", "warning"})
    @DisplayName("every level of the original is accepted, in any case")
    void levels(String level) {
        assertThat(Flags.parse("-l", level).orElseThrow().logLevel()).isNotNull();
        assertThat(Flags.parse("--log-level=" + level).orElseThrow().logLevel()).isNotNull();
    }

    @Test
    @DisplayName("-l info turns on INFO and -l debug turns on FINE in JUL")
    void levelMapping() {
        assertThat(Flags.parse("-l", "debug").orElseThrow().logLevel().julLevel()).isEqualTo(java.util.logging.Level.FINE);
        assertThat(Flags.parse("-l", "info").orElseThrow().logLevel().julLevel()).isEqualTo(java.util.logging.Level.INFO);
    }

    @ParameterizedTest
    @ValueSource(strings = {"-h", "--help"})
    @DisplayName("-h and --help ask for usage")
    void help(String flag) {
        assertThat(Flags.parse("-p", "1", flag)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"-p|abc", "-p|-1", "-p|65536", "--port=", "-x", "--bogus=1", "stray", "-l|loud", "-k"})
    @DisplayName("a bad port, an unknown flag, a bad level or a missing value is a usage error")
    void usageErrors(String spelled) {
        assertThatThrownBy(() -> Flags.parse(spelled.split("\\|"))).isInstanceOf(UsageException.class);
    }

    /** A valid value of each flag; a flag added to Flags.FLAGS without one here fails everyFlagComesFromTheEnvironment. */
    private static final Map<String, String> SAMPLES = Map.ofEntries(
            Map.entry("kv", "mem://"), Map.entry("log-level", "debug"), Map.entry("log-format", "json"),
            Map.entry("port", "18000"), Map.entry("view", "off"), Map.entry("address", "127.0.0.1"),
            Map.entry("tls-cert", "cert.pem"), Map.entry("tls-key", "key.pem"), Map.entry("tls-client-ca", "ca.pem"),
            Map.entry("auth-file", "access"), Map.entry("allowed-origins", "https://ops.example"),
            Map.entry("max-connections", "300"), Map.entry("max-requests", "7"), Map.entry("idle-timeout", "90s"),
            Map.entry("header-timeout", "5s"), Map.entry("body-timeout", "5s"), Map.entry("min-body-rate", "100"));

    @Test
    @DisplayName("every flag can come from CHYPERVISORD_<LONG NAME>, with the same effect as on the command line")
    void everyFlagComesFromTheEnvironment() {
        for (Flags.Flag flag : Flags.FLAGS) {
            String value = SAMPLES.get(flag.longName());
            assertThat(value).as("a sample value for --%s in FlagsTest.SAMPLES", flag.longName()).isNotNull();
            // The TLS flags only make sense together: each comes with its companions on the command line.
            List<String> companions = flag.longName().startsWith("tls-")
                    ? Flags.FLAGS.stream().map(Flags.Flag::longName)
                            .filter(n -> n.startsWith("tls-") && !n.equals(flag.longName()) && !n.equals("tls-client-ca"))
                            .flatMap(n -> java.util.stream.Stream.of("--" + n, SAMPLES.get(n))).toList()
                    : List.of();
            List<String> viaEnv = new java.util.ArrayList<>(companions);
            List<String> viaArgs = new java.util.ArrayList<>(companions);
            viaArgs.addAll(List.of("--" + flag.longName(), value));
            Settings fromEnv = Flags.parse(Map.of(flag.envName(), value), viaEnv.toArray(String[]::new)).orElseThrow();
            Settings fromArgs = Flags.parse(Map.of(), viaArgs.toArray(String[]::new)).orElseThrow();
            assertThat(fromEnv).as(flag.envName()).isEqualTo(fromArgs).isNotEqualTo(Settings.defaults());
        }
        assertThat(Flags.FLAGS).extracting(Flags.Flag::envName).contains(
                "CHYPERVISORD_KV", "CHYPERVISORD_PORT", "CHYPERVISORD_LOG_LEVEL", "CHYPERVISORD_LOG_FORMAT");
    }

    @Test
    @DisplayName("a flag on the command line wins over its environment variable")
    void commandLineWins() {
        Map<String, String> env = Map.of("CHYPERVISORD_KV", "etcd://10.0.0.1:2379", "CHYPERVISORD_PORT", "18000",
                "CHYPERVISORD_LOG_LEVEL", "error");
        Settings s = Flags.parse(env, "-k", "mem://", "--port=19000").orElseThrow();
        assertThat(s.kv()).isEqualTo("mem://");
        assertThat(s.port()).isEqualTo(19000);
        assertThat(s.logLevel()).as("not on the command line: from the environment").isEqualTo(LogLevel.ERROR);
    }

    @Test
    @DisplayName("a bad value in the environment is a usage error naming the variable; an empty one is unset")
    void badEnvironmentValue() {
        assertThatThrownBy(() -> Flags.parse(Map.of("CHYPERVISORD_PORT", "lots")))
                .isInstanceOf(UsageException.class).hasMessageContaining("CHYPERVISORD_PORT");
        assertThatThrownBy(() -> Flags.parse(Map.of("CHYPERVISORD_LOG_FORMAT", "xml")))
                .isInstanceOf(UsageException.class).hasMessageContaining("CHYPERVISORD_LOG_FORMAT");
        assertThat(Flags.parse(Map.of("CHYPERVISORD_PORT", ""))).contains(Settings.defaults());
        assertThat(Flags.parse(Map.of("CHYPERVISORD_ARGS", "--bogus", "CHYPERVISORD_TEST", "1")))
                .as("variables that name no flag are not flags").contains(Settings.defaults());
    }

    @Test
    @DisplayName("--log-format takes text or json, text by default")
    void logFormat() {
        assertThat(Flags.parse(Map.of()).orElseThrow().logStyle()).isEqualTo(LogStyle.TEXT);
        assertThat(Flags.parse(Map.of(), "--log-format", "JSON").orElseThrow().logStyle()).isEqualTo(LogStyle.JSON);
        assertThatThrownBy(() -> Flags.parse(Map.of(), "--log-format=yaml")).isInstanceOf(UsageException.class);
    }

    @Test
    @DisplayName("-h says that flags come from the environment too")
    void helpSaysEnvironment() {
        assertThat(Flags.USAGE).contains("CHYPERVISORD_KV", "CHYPERVISORD_PORT", "CHYPERVISORD_LOG_LEVEL",
                "command line wins", "--log-format", "--version", "--view");
    }

    @Test
    @DisplayName("the limit and timeout flags set the server's limits; unset, they are the defaults")
    void limitFlags() {
        var limits = Flags.parse("--max-connections=300", "--max-requests", "7", "--idle-timeout=1m30s",
                "--header-timeout", "5s", "--body-timeout=2500ms", "--min-body-rate=0").orElseThrow().limits();
        assertThat(limits.maxConnections()).isEqualTo(300);
        assertThat(limits.maxConcurrentRequests()).isEqualTo(7);
        assertThat(limits.idleTimeout()).isEqualTo(java.time.Duration.ofSeconds(90));
        assertThat(limits.headerTimeout()).isEqualTo(java.time.Duration.ofSeconds(5));
        assertThat(limits.bodyTimeout()).isEqualTo(java.time.Duration.ofMillis(2500));
        assertThat(limits.minBodyRate()).isZero();
        var defaults = Flags.parse().orElseThrow().limits();
        assertThat(defaults).isEqualTo(io.lochness.chypervisord.adapter.in.http.ServerLimits.defaults());
        assertThat(defaults.idleTimeout()).isEqualTo(java.time.Duration.ofSeconds(60));
        assertThat(defaults.headerTimeout()).isEqualTo(java.time.Duration.ofSeconds(10));
        assertThat(Flags.parse("--idle-timeout=45").orElseThrow().limits().idleTimeout())
                .isEqualTo(java.time.Duration.ofSeconds(45));
    }

    @ParameterizedTest
    @ValueSource(strings = {"--max-connections=0", "--max-connections=x", "--max-requests=-1", "--idle-timeout=0s",
        "--idle-timeout=5x", "--header-timeout=", "--body-timeout=25h", "--min-body-rate=-5", "--idle-timeout=1m30"})
    @DisplayName("a bad limit or duration is a usage error")
    void badLimits(String flag) {
        assertThatThrownBy(() -> Flags.parse(flag)).isInstanceOf(UsageException.class).hasMessageContaining("--");
    }

    @Test
    @DisplayName("default limits follow the heap and the open-file limit: 96 MB gives 768 connections and 12 requests")
    void defaultLimitsAreSizedFromTheHeap() {
        long heap96 = 96L << 20;
        assertThat(io.lochness.chypervisord.adapter.in.http.ServerLimits.defaultMaxConnections(heap96, 65536)).isEqualTo(768);
        assertThat(io.lochness.chypervisord.adapter.in.http.ServerLimits.defaultMaxConnections(heap96, 1024)).isEqualTo(768);
        assertThat(io.lochness.chypervisord.adapter.in.http.ServerLimits.defaultMaxConnections(heap96, 512)).isEqualTo(384);
        assertThat(io.lochness.chypervisord.adapter.in.http.ServerLimits.defaultMaxConnections(1L << 30, 65536)).isEqualTo(8192);
        assertThat(io.lochness.chypervisord.adapter.in.http.ServerLimits.defaultMaxConcurrentRequests(heap96)).isEqualTo(12);
        assertThat(io.lochness.chypervisord.adapter.in.http.ServerLimits.defaultMaxConcurrentRequests(16L << 20)).isEqualTo(8);
    }
}
