package io.lochness.chypervisord.bootstrap;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogRecord;

/**
 * One log line per record: an ISO-8601 UTC timestamp, the level in the original's (logrus)
 * words ({@code DEBUG}, {@code INFO}, {@code WARN}, {@code ERROR}), the logger and the message.
 * A thrown exception is a stack trace only on an ERROR record (a bug: what answers 500); on any
 * other record, an expected failure such as a store outage, it is one clause on the same line.
 */
class LogFormat extends Formatter {
    static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    static String level(Level level) {
        int v = level.intValue();
        if (v >= Level.SEVERE.intValue()) {
            return "ERROR";
        }
        if (v >= Level.WARNING.intValue()) {
            return "WARN";
        }
        if (v >= Level.INFO.intValue()) {
            return "INFO";
        }
        return "DEBUG";
    }

    /** Whether the record's exception is printed with its stack trace. */
    static boolean withStackTrace(LogRecord record) {
        return record.getThrown() != null && record.getLevel().intValue() >= Level.SEVERE.intValue();
    }

    /** An exception in one line: its type and message, and its root cause's. */
    static String oneLine(Throwable thrown) {
        Throwable root = thrown;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String text = thrown.toString();
        if (root != thrown) {
            text += "; cause: " + root;
        }
        return text.replace('\n', ' ').replace('\r', ' ');
    }

    static String stackTrace(Throwable thrown) {
        StringWriter trace = new StringWriter();
        thrown.printStackTrace(new PrintWriter(trace));
        return trace.toString();
    }

    /**
     * The structured fields a record carries: a {@code Map} as its last parameter (the request
     * log's method, path, status, duration and bytes). Text lines already say them in the message.
     */
    static Map<?, ?> fields(LogRecord record) {
        Object[] params = record.getParameters();
        if (params != null && params.length > 0 && params[params.length - 1] instanceof Map<?, ?> map) {
            return map;
        }
        return Map.of();
    }

    @Override
    public String format(LogRecord record) {
        StringBuilder line = new StringBuilder(128)
                .append(TIME.format(Instant.ofEpochMilli(record.getMillis())))
                .append(' ').append(level(record.getLevel()))
                .append(' ').append(record.getLoggerName())
                .append(": ").append(formatMessage(record));
        Throwable thrown = record.getThrown();
        if (thrown != null && !withStackTrace(record)) {
            line.append(" (").append(oneLine(thrown)).append(')');
        }
        line.append(System.lineSeparator());
        if (withStackTrace(record)) {
            line.append(stackTrace(thrown));
        }
        return line.toString();
    }
}
