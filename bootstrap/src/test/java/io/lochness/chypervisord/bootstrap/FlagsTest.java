package io.lochness.chypervisord.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FlagsTest {

    @Test
    @DisplayName("no flags give the seed's defaults: http://localhost:4001, warn, 17000")
    void defaults() {
        assertThat(Flags.parse()).contains(new Settings("http://localhost:4001", LogLevel.WARN, 17000));
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
}
