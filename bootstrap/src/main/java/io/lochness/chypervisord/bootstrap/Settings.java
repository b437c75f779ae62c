package io.lochness.chypervisord.bootstrap;

import io.lochness.chypervisord.adapter.in.http.ServerLimits;
import java.util.Objects;

/**
 * The parsed command line: store address, log level, listen port, log format, whether reads are
 * served from the watch-fed registry view ({@code --view}, on by default), the HTTP server's
 * limits, and its security.
 */
public record Settings(String kv, LogLevel logLevel, int port, LogStyle logStyle, boolean view,
        ServerLimits limits, Security security) {
    public static final String DEFAULT_KV = "http://localhost:4001";
    public static final int DEFAULT_PORT = 17000;

    public Settings {
        Objects.requireNonNull(kv, "kv");
        Objects.requireNonNull(logLevel, "logLevel");
        Objects.requireNonNull(logStyle, "logStyle");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(security, "security");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be from 0 to 65535: " + port);
        }
    }

    /** Text logs, the view on, the default limits (sized from this JVM's heap and file-descriptor limit), no security. */
    public Settings(String kv, LogLevel logLevel, int port) {
        this(kv, logLevel, port, LogStyle.TEXT, true, ServerLimits.defaults(), Security.none());
    }

    public static Settings defaults() {
        return new Settings(DEFAULT_KV, LogLevel.WARN, DEFAULT_PORT);
    }
}
