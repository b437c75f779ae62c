package io.lochness.chypervisord.bootstrap;

import java.util.Objects;

/**
 * The parsed command line: store address, log level, listen port, log format, and whether reads
 * are served from the watch-fed registry view ({@code --view}, on by default).
 */
public record Settings(String kv, LogLevel logLevel, int port, LogStyle logStyle, boolean view) {
    public static final String DEFAULT_KV = "http://localhost:4001";
    public static final int DEFAULT_PORT = 17000;

    public Settings {
        Objects.requireNonNull(kv, "kv");
        Objects.requireNonNull(logLevel, "logLevel");
        Objects.requireNonNull(logStyle, "logStyle");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be from 0 to 65535: " + port);
        }
    }

    /** Text logs, the registry view on. */
    public Settings(String kv, LogLevel logLevel, int port) {
        this(kv, logLevel, port, LogStyle.TEXT, true);
    }

    /** The registry view on. */
    public Settings(String kv, LogLevel logLevel, int port, LogStyle logStyle) {
        this(kv, logLevel, port, logStyle, true);
    }

    public static Settings defaults() {
        return new Settings(DEFAULT_KV, LogLevel.WARN, DEFAULT_PORT);
    }
}
