package io.lochness.chypervisord.bootstrap;

import java.util.Locale;
import java.util.logging.Level;

/** The original's log levels (logrus names) and the JUL level each one turns on. */
public enum LogLevel {
    DEBUG(Level.FINE),
    INFO(Level.INFO),
    WARN(Level.WARNING),
    ERROR(Level.SEVERE),
    FATAL(Level.SEVERE),
    PANIC(Level.SEVERE);

    private final Level julLevel;

    LogLevel(Level julLevel) {
        this.julLevel = julLevel;
    }

    public Level julLevel() {
        return julLevel;
    }

    /** Parses a level name in any case; {@code warning} is accepted for {@code warn}. */
    public static LogLevel parse(String text) {
        String t = text.toLowerCase(Locale.ROOT);
        if (t.equals("warning")) {
            return WARN;
        }
        for (LogLevel l : values()) {
            if (l.name().toLowerCase(Locale.ROOT).equals(t)) {
                return l;
            }
        }
        throw new UsageException("invalid log level " + text + " (want debug, info, warn, error, fatal or panic)");
    }
}
