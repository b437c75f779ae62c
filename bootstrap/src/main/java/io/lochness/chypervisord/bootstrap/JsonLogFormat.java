package io.lochness.chypervisord.bootstrap;

import java.time.Instant;
import java.util.Map;
import java.util.logging.LogRecord;

/**
 * {@code --log-format json}: one JSON object per line with {@code time}, {@code level}, {@code
 * logger}, {@code message}, the record's structured fields (the request log's {@code method},
 * {@code path}, {@code status}, {@code duration_ms}, {@code bytes}), {@code error} when an
 * exception came with it, and {@code stack} only on an ERROR record.
 */
final class JsonLogFormat extends LogFormat {
    @Override
    public String format(LogRecord record) {
        StringBuilder json = new StringBuilder(192).append('{');
        field(json, "time", TIME.format(Instant.ofEpochMilli(record.getMillis())));
        json.append(',');
        field(json, "level", level(record.getLevel()));
        json.append(',');
        field(json, "logger", record.getLoggerName());
        json.append(',');
        field(json, "message", formatMessage(record));
        for (Map.Entry<?, ?> e : fields(record).entrySet()) {
            String name = String.valueOf(e.getKey());
            if (name.equals("time") || name.equals("level") || name.equals("logger") || name.equals("message")) {
                continue;
            }
            json.append(',');
            field(json, name, e.getValue());
        }
        Throwable thrown = record.getThrown();
        if (thrown != null) {
            json.append(',');
            field(json, "error", oneLine(thrown));
            if (withStackTrace(record)) {
                json.append(',');
                field(json, "stack", stackTrace(thrown));
            }
        }
        return json.append('}').append('\n').toString();
    }

    private static void field(StringBuilder json, String name, Object value) {
        string(json, name);
        json.append(':');
        if (value instanceof Integer || value instanceof Long || value instanceof Boolean) {
            json.append(value);
        } else if (value instanceof Double d && Double.isFinite(d)) {
            json.append(d);
        } else if (value == null) {
            json.append("null");
        } else {
            string(json, String.valueOf(value));
        }
    }

    /** A JSON string: quotes, backslashes and control characters escaped (RFC 8259). */
    static void string(StringBuilder json, String s) {
        json.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> json.append("\\\"");
                case '\\' -> json.append("\\\\");
                case '\n' -> json.append("\\n");
                case '\r' -> json.append("\\r");
                case '\t' -> json.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x2028 || c == 0x2029) {
                        json.append(String.format("\\u%04x", (int) c));
                    } else {
                        json.append(c);
                    }
                }
            }
        }
        json.append('"');
    }
}
