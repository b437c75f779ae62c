package io.lochness.chypervisord.bootstrap;

import java.util.Locale;

/** How log records are written ({@code --log-format}): plain lines, or one JSON object per line. */
public enum LogStyle {
    TEXT,
    JSON;

    public static LogStyle parse(String text) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "text" -> TEXT;
            case "json" -> JSON;
            default -> throw new UsageException("invalid log format " + text + " (want text or json)");
        };
    }
}
