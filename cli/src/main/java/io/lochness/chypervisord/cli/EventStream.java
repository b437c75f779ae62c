package io.lochness.chypervisord.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.util.function.Consumer;

/**
 * A reader of server-sent events (the WHATWG {@code text/event-stream} format): {@code event:},
 * {@code id:}, {@code data:} (lines joined with a newline) and {@code retry:} fields, comments
 * ({@code :...}) skipped, an event dispatched at each blank line. It keeps the last event id across
 * connections, for {@code Last-Event-ID} on a reconnect.
 */
final class EventStream {
    /** One event: its type ({@code message} when the stream names none), the last id, its data. */
    record Event(String type, String id, String data) {}

    static final long DEFAULT_RETRY_MILLIS = 1000;

    private String lastId;
    private long retryMillis = DEFAULT_RETRY_MILLIS;

    EventStream(String lastId) {
        this.lastId = lastId;
    }

    /** The id of the last event read (or the one given), or null. */
    String lastId() {
        return lastId;
    }

    /** Starts again from the current state: no id. */
    void forgetLastId() {
        lastId = null;
    }

    /** How long to wait before reconnecting: the stream's {@code retry:}, else one second. */
    long retryMillis() {
        return retryMillis;
    }

    /** Reads events until the end of the stream; an event cut off by the end is dropped. */
    void read(BufferedReader reader, Consumer<Event> sink) throws IOException {
        String type = null;
        StringBuilder data = null;
        String line;
        while ((line = reader.readLine()) != null) {
            if (line.isEmpty()) {
                if (type != null || data != null) {
                    sink.accept(new Event(type == null || type.isEmpty() ? "message" : type, lastId,
                            data == null ? "" : data.toString()));
                }
                type = null;
                data = null;
                continue;
            }
            if (line.startsWith(":")) {
                continue;
            }
            int colon = line.indexOf(':');
            String field = colon < 0 ? line : line.substring(0, colon);
            String value = colon < 0 ? "" : line.substring(colon + 1);
            if (value.startsWith(" ")) {
                value = value.substring(1);
            }
            switch (field) {
                case "event" -> type = value;
                case "data" -> data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
                case "id" -> {
                    if (value.indexOf('\0') < 0) {
                        lastId = value.isEmpty() ? null : value;
                    }
                }
                case "retry" -> {
                    if (value.matches("\\d{1,9}")) {
                        retryMillis = Long.parseLong(value);
                    }
                }
                default -> {
                    // unknown fields are ignored, as the format says
                }
            }
        }
    }
}
