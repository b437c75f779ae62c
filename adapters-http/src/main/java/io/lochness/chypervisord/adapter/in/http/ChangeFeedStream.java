package io.lochness.chypervisord.adapter.in.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.common.media.type.MediaTypes;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.http.sse.SseEvent;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.helidon.webserver.sse.SseSink;
import io.lochness.chypervisord.domain.model.ChangeSubscription;
import io.lochness.chypervisord.domain.model.HypervisorChange;
import io.lochness.chypervisord.domain.model.InvalidInputException;
import io.lochness.chypervisord.domain.model.StoredHypervisor;
import io.lochness.chypervisord.domain.port.in.HypervisorService;
import java.time.Duration;
import java.util.OptionalLong;

/**
 * The change feed, {@code GET /hypervisors?watch=true}: the in-port's subscription as server-sent
 * events ({@code text/event-stream}, through Helidon's SSE sink). Each event is {@code event:
 * TYPE}, {@code id: REVISION} on events a consumer can resume after, and one JSON line of {@code
 * data}; a comment line goes out whenever nothing else has for {@link #KEEP_ALIVE}, so proxies
 * keep a quiet stream open. A subscription that the service ends (the consumer fell behind, or a
 * graceful shutdown) ends the stream cleanly; a consumer that went away ends it too.
 */
final class ChangeFeedStream {
    private static final System.Logger LOG = System.getLogger(ChangeFeedStream.class.getName());
    /** At most this long without a byte on the stream (the issue asks at least every 15 s). */
    static final Duration KEEP_ALIVE = Duration.ofSeconds(10);
    static final String LAST_EVENT_ID = "Last-Event-ID";

    private final HypervisorService service;
    private final ObjectMapper mapper;

    ChangeFeedStream(HypervisorService service, ObjectMapper mapper) {
        this.service = service;
        this.mapper = mapper;
    }

    /**
     * Subscribes first (so a too-old revision answers 410, no view 503, before any byte), then
     * streams until the subscription or the consumer ends.
     */
    void serve(ServerRequest req, ServerResponse res, ListRequest request) {
        if (req.prologue().method() == Method.HEAD) {
            throw new InvalidInputException("the change feed (watch=true) is for GET, not HEAD");
        }
        if (!req.headers().isAccepted(MediaTypes.TEXT_EVENT_STREAM)) {
            throw new InvalidInputException("the change feed (watch=true) answers text/event-stream, which the "
                    + "request's Accept header does not allow");
        }
        OptionalLong since = request.since();
        var lastEventId = req.headers().value(HeaderNames.create(LAST_EVENT_ID));
        if (lastEventId.isPresent() && !lastEventId.get().isBlank()) {
            // A reconnecting EventSource sends it; it supersedes the since= of the first connect.
            since = OptionalLong.of(ListRequest.revision("header " + LAST_EVENT_ID, lastEventId.get().strip()));
        }
        try (ChangeSubscription subscription = service.watch(request.query(), since)) {
            res.header(HeaderNames.CACHE_CONTROL, "no-cache");
            res.header(HeaderNames.create("X-Accel-Buffering"), "no");
            try (SseSink sink = res.sink(SseSink.TYPE)) {
                while (true) {
                    HypervisorChange change = subscription.next(KEEP_ALIVE);
                    if (change == null) {
                        sink.emit(SseEvent.builder().comment("keep-alive").build());
                    } else {
                        sink.emit(event(change));
                    }
                }
            } catch (ChangeSubscription.Ended e) {
                LOG.log(System.Logger.Level.DEBUG, () -> "change feed stream ended: " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                // The consumer went away mid-stream: nothing can be told to it any more.
                LOG.log(System.Logger.Level.DEBUG, () -> "change feed consumer went away: " + e);
            }
        }
    }

    private SseEvent event(HypervisorChange change) {
        SseEvent.Builder event = SseEvent.builder().name(change.type().name()).data(data(change));
        if (change.resumable()) {
            event.id(Long.toString(change.revision()));
        }
        return event.build();
    }

    /** {@code {"type","revision","hypervisor","config","subnets","guests","alive"}}, one line. */
    String data(HypervisorChange change) {
        ObjectNode json = mapper.createObjectNode();
        json.put("type", change.type().name());
        json.put("revision", change.revision());
        StoredHypervisor h = change.state();
        if (h != null) {
            json.set("hypervisor", mapper.valueToTree(HypervisorJson.from(h.record())));
            json.set("config", mapper.valueToTree(h.configValues()));
            json.set("subnets", mapper.valueToTree(h.subnetValues()));
            json.set("guests", mapper.valueToTree(h.guests()));
            json.put("alive", h.alive());
        }
        try {
            return mapper.writeValueAsString(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
