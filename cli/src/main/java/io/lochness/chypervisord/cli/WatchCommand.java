package io.lochness.chypervisord.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code hv watch}: the service's change feed ({@code GET /hypervisors?watch=true}, server-sent
 * events), one line per event. Reconnects after a dropped stream with {@code Last-Event-ID}, so no
 * change is missed; starts again from the current state when the service answers 410 Gone.
 */
@Command(name = "watch", mixinStandardHelpOptions = true,
        description = {"Follow the changes: one line per event of the service's change feed.",
            "First one ADDED per hypervisor and SYNCED, then ADDED, MODIFIED and DELETED as they happen.",
            "Human view: TYPE ID; -j: each event's JSON (type, revision, hypervisor, config, subnets, guests, alive).",
            "After a dropped stream it reconnects with the last event id (no change is missed); after "
                    + WatchCommand.ATTEMPTS + " failed attempts in a row it gives up (status 1)."},
        footer = {"", "Example: hv watch -f metadata.rack=r12 | while read type id; do ...; done"})
final class WatchCommand extends HvCommand {
    static final int ATTEMPTS = 5;

    @Option(names = {"-f", "--filter"}, paramLabel = "KEY=VALUE",
            description = "only hypervisors that match (as hv list --filter; may be repeated)")
    List<String> filters;

    @Option(names = "--since", paramLabel = "REV",
            description = "start after this revision (an event id) instead of from the current state")
    Long since;

    @Option(names = "--no-reconnect", description = "end (status 0) when the service ends the stream")
    boolean noReconnect;

    @Option(names = "--idle-timeout", paramLabel = "SECONDS", defaultValue = "45",
            description = "reconnect when the stream sends nothing, not even its keep-alive comment, for this "
                    + "long (default: ${DEFAULT-VALUE}; the service comments at least every 15 s)")
    int idleTimeoutSeconds;

    /** Set when standard output is gone (hv watch | head -3): time to stop. */
    private boolean outputClosed;

    @Override
    void execute() {
        if (idleTimeoutSeconds < 1) {
            throw usage("--idle-timeout must be at least 1 second");
        }
        List<Map.Entry<String, String>> query = new ArrayList<>();
        query.add(Map.entry("watch", "true"));
        query.addAll(Filters.parse(filters, this));
        URI uri = client().uri(List.of("hypervisors"), query);
        EventStream stream = new EventStream(since == null ? null : since.toString());
        int failures = 0;
        while (true) {
            HttpResponse<InputStream> response;
            try {
                response = client().stream(uri, stream.lastId());
            } catch (FatalException e) {
                if (noReconnect || ++failures >= ATTEMPTS) {
                    throw e;
                }
                pause(stream);
                continue;
            }
            int status = response.statusCode();
            if (status / 100 != 2) {
                ApiException error = Client.error(status, drain(response));
                if (status == 410 && stream.lastId() != null) {
                    io().error(error.line() + "; starting again from the current state");
                    stream.forgetLastId();
                    if (noReconnect) {
                        throw new FatalException("the feed no longer has the changes after the revision given");
                    }
                    continue;
                }
                boolean transient_ = status == 502 || status == 503 || status == 504;
                if (!transient_ || noReconnect || ++failures >= ATTEMPTS) {
                    throw error;
                }
                pause(stream);
                continue;
            }
            String type = response.headers().firstValue("Content-Type").orElse("");
            if (!type.toLowerCase(Locale.ROOT).startsWith("text/event-stream")) {
                drain(response);
                throw new FatalException("the service has no change feed: GET " + uri.getRawPath() + "?"
                        + uri.getRawQuery() + " answered " + (type.isEmpty() ? "no Content-Type" : type)
                        + ", not text/event-stream");
            }
            failures = 0;
            boolean idle;
            try (InputStream body = response.body(); Watchdog watchdog = new Watchdog(body, idleTimeoutSeconds)) {
                try {
                    stream.read(watchdog.reader(), this::print);
                } catch (StopReading e) {
                    return;
                } catch (IOException e) {
                    if (noReconnect && !watchdog.fired()) {
                        throw new FatalException("the change feed was cut off: " + e.getMessage());
                    }
                }
                idle = watchdog.fired();
            } catch (IOException e) {
                idle = false; // closing the body failed: it is gone either way
            }
            if (outputClosed) {
                return;
            }
            if (idle && noReconnect) {
                throw new FatalException("the change feed sent nothing for " + idleTimeoutSeconds + " s");
            }
            if (noReconnect) {
                return;
            }
            if (!idle) {
                pause(stream);
            }
        }
    }

    private void print(EventStream.Event event) {
        if (outputClosed) {
            return;
        }
        JsonNode data = null;
        if (!event.data().isBlank()) {
            try {
                data = Json.MAPPER.readTree(event.data());
            } catch (JsonProcessingException e) {
                failed("an event whose data is not JSON: " + Client.abbreviate(event.data()));
                return;
            }
        }
        if (json()) {
            io().line(data != null ? Json.line(data) : Json.line(Json.MAPPER.createObjectNode().put("type", event.type())));
        } else {
            String id = data == null ? "" : data.path("hypervisor").path("id").asText(data.path("id").asText(""));
            io().line(id.isEmpty() ? event.type() : event.type() + " " + id);
        }
        io().out().flush();
        if (io().out().checkError()) {
            // Standard output is closed (the reader of a pipe has gone): the JVM ignores SIGPIPE, so stop here.
            outputClosed = true;
            throw new StopReading();
        }
    }

    /** Ends the reading of the stream from inside the event callback. */
    private static final class StopReading extends RuntimeException {
        private static final long serialVersionUID = 1L;

        StopReading() {
            super(null, null, false, false);
        }
    }

    private static String drain(HttpResponse<InputStream> response) {
        try (InputStream body = response.body()) {
            return new String(body.readNBytes(64 * 1024), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static void pause(EventStream stream) {
        try {
            Thread.sleep(stream.retryMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FatalException("interrupted");
        }
    }
}
