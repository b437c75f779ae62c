package io.lochness.chypervisord.bootstrap;

import io.lochness.chypervisord.adapter.in.http.ServerLimits;
import java.util.Objects;

/** The parsed command line: store address, log level, listen port, the HTTP server's limits, and its security. */
public record Settings(String kv, LogLevel logLevel, int port, ServerLimits limits, Security security) {
    public static final String DEFAULT_KV = "http://localhost:4001";
    public static final int DEFAULT_PORT = 17000;

    public Settings {
        Objects.requireNonNull(kv, "kv");
        Objects.requireNonNull(logLevel, "logLevel");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(security, "security");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be from 0 to 65535: " + port);
        }
    }

    /** With the default limits (sized from this JVM's heap and file-descriptor limit). */
    public Settings(String kv, LogLevel logLevel, int port) {
        this(kv, logLevel, port, ServerLimits.defaults(), Security.none());
    }

    public static Settings defaults() {
        return new Settings(DEFAULT_KV, LogLevel.WARN, DEFAULT_PORT);
    }
}
