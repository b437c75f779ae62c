package io.lochness.chypervisord.adapter.in.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.HttpException;
import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.webserver.http.DirectHandlers;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.lochness.chypervisord.domain.model.ChypervisordException;
import io.lochness.chypervisord.domain.model.ConflictException;
import io.lochness.chypervisord.domain.model.FeedUnavailableException;
import io.lochness.chypervisord.domain.model.HistoryExpiredException;
import io.lochness.chypervisord.domain.model.HypervisorAlreadyExistsException;
import io.lochness.chypervisord.domain.model.HypervisorHasGuestsException;
import io.lochness.chypervisord.domain.model.HypervisorNotFoundException;
import io.lochness.chypervisord.domain.model.InvalidInputException;
import io.lochness.chypervisord.domain.model.LimitExceededException;
import io.lochness.chypervisord.domain.model.Limits;
import io.lochness.chypervisord.domain.model.PreconditionFailedException;
import io.lochness.chypervisord.domain.model.StoreUnavailableException;
import io.lochness.chypervisord.domain.model.StoredDataInvalidException;
import io.lochness.chypervisord.domain.model.SubnetNotFoundException;
import java.nio.charset.StandardCharsets;

/**
 * Maps every failure to its one status and the error body {@code {"message","code"}}; no stack
 * trace ever reaches a client.
 */
public final class ErrorMapping {
    private static final System.Logger LOG = System.getLogger(ErrorMapping.class.getName());

    private ErrorMapping() {}

    /** The status of each domain failure: the switch is exhaustive over the sealed hierarchy. */
    public static Status status(ChypervisordException e) {
        return switch (e) {
            case InvalidInputException x -> Status.BAD_REQUEST_400;
            case LimitExceededException x -> Status.REQUEST_ENTITY_TOO_LARGE_413;
            case HypervisorNotFoundException x -> Status.NOT_FOUND_404;
            case SubnetNotFoundException x -> Status.NOT_FOUND_404;
            case HypervisorAlreadyExistsException x -> Status.CONFLICT_409;
            case HypervisorHasGuestsException x -> Status.CONFLICT_409;
            case ConflictException x -> Status.CONFLICT_409;
            case PreconditionFailedException x -> Status.PRECONDITION_FAILED_412;
            case StoredDataInvalidException x -> Status.INTERNAL_SERVER_ERROR_500;
            case StoreUnavailableException x -> Status.SERVICE_UNAVAILABLE_503;
            case HistoryExpiredException x -> Status.GONE_410;
            case FeedUnavailableException x -> Status.SERVICE_UNAVAILABLE_503;
        };
    }

    /**
     * The routing's error handlers. A 503 names the kind of store ({@code storeKind}) only: the
     * store's address and its own error text go to the log, not to clients.
     */
    static void register(HttpRouting.Builder routing, ObjectMapper mapper, String storeKind) {
        routing.error(ChypervisordException.class, (req, res, e) -> {
            Status status = status(e);
            if (status.code() >= 500) {
                LOG.log(System.Logger.Level.WARNING, req.prologue().method().text() + " " + req.path().absolute().path()
                        + ": " + e.getMessage());
            }
            String message = e.getMessage();
            if (e instanceof StoreUnavailableException) {
                res.header(HeaderNames.RETRY_AFTER, "1");
                message = "the " + storeKind + " store is unavailable; retry later (the server log has the details)";
            }
            sendError(req, res, mapper, status, message);
        });
        routing.error(PayloadTooLargeException.class,
                (req, res, e) -> sendError(req, res, mapper, Status.REQUEST_ENTITY_TOO_LARGE_413, e.getMessage()));
        routing.error(MalformedRequestException.class, (req, res, e) -> {
            // Where the next request would start is unknown: ConnectionGuard closes once this is out.
            res.header(HeaderValues.CONNECTION_CLOSE);
            sendError(req, res, mapper, Status.BAD_REQUEST_400, e.getMessage());
        });
        routing.error(MethodNotAllowedException.class,
                (req, res, e) -> sendError(req, res, mapper, Status.METHOD_NOT_ALLOWED_405, e.getMessage()));
        routing.error(HttpException.class,
                (req, res, e) -> sendError(req, res, mapper, e.status(), e.getMessage()));
        routing.error(Exception.class, (req, res, e) -> {
            LOG.log(System.Logger.Level.ERROR, "unexpected failure on " + req.prologue().method().text() + " "
                    + req.path().absolute().path(), e);
            sendError(req, res, mapper, Status.INTERNAL_SERVER_ERROR_500, "internal error; the server log has the details");
        });
    }

    /**
     * JSON error bodies for what Helidon refuses before routing (a malformed URI escape, an
     * unknown Content-Encoding, headers or URI over the limit, a bad framing): the same {@code
     * {"message","code"}} as every other error.
     */
    public static DirectHandlers directHandlers(ObjectMapper mapper) {
        DirectHandler json = (request, type, status, headers, message) -> {
            if (status == Status.NOT_IMPLEMENTED_501) {
                // A transfer coding other than chunked: the client's doing, so a 4xx like every other.
                status = Status.BAD_REQUEST_400;
                message = "the only transfer coding accepted is chunked";
            } else if (status == Status.INTERNAL_SERVER_ERROR_500) {
                // Before routing Helidon only parses what the client sent; some parse failures (a tab
                // in the request line: "Token contains control character") surface as its internal
                // error. They are the client's: 400, and no stack trace in the log for each one.
                status = Status.BAD_REQUEST_400;
                message = "the request could not be parsed as HTTP/1.1";
            }
            String text = message == null || message.isBlank() ? status.reasonPhrase() : message;
            if (status == Status.REQUEST_ENTITY_TOO_LARGE_413) {
                // Helidon refuses a declared (or chunked) length over the limit before reading the body.
                text = "the request body is over the limit of " + Limits.REQUEST_BODY_BYTES + " bytes";
            } else if (status == Status.SERVICE_UNAVAILABLE_503) {
                // Over the limit of requests in flight (and the wait for a turn is over).
                headers.set(HeaderNames.RETRY_AFTER, "1");
                text = "too many requests in flight; retry";
            }
            byte[] body;
            try {
                body = mapper.writeValueAsBytes(new ErrorJson(status.reasonPhrase().equals(text) ? text
                        : status.reasonPhrase() + ": " + text, status.code()));
            } catch (JsonProcessingException e) {
                body = ("{\"message\":\"error\",\"code\":" + status.code() + "}").getBytes(StandardCharsets.UTF_8);
            }
            return DirectHandler.TransportResponse.builder()
                    .status(status)
                    .headers(headers)
                    .header(HeaderValues.CONTENT_TYPE_JSON)
                    .entity(body)
                    .build();
        };
        DirectHandlers.Builder builder = DirectHandlers.builder();
        for (DirectHandler.EventType type : DirectHandler.EventType.values()) {
            builder.addHandler(type, json);
        }
        return builder.build();
    }

    static void sendError(ServerRequest req, ServerResponse res, ObjectMapper mapper, Status status, String message) {
        byte[] bytes;
        try {
            bytes = mapper.writeValueAsBytes(new ErrorJson(message, status.code()));
        } catch (JsonProcessingException e) {
            bytes = ("{\"message\":\"error\",\"code\":" + status.code() + "}").getBytes(StandardCharsets.UTF_8);
        }
        sendJson(req, res, status, bytes);
    }

    /** Sends a JSON body; a HEAD request gets the same headers and no body. */
    static void sendJson(ServerRequest req, ServerResponse res, Status status, byte[] body) {
        res.status(status);
        res.header(HeaderValues.CONTENT_TYPE_JSON);
        // Always a Content-Length: an answer sent from a filter through a response stream filter
        // (the request log's body counter) would otherwise go out chunked without its last chunk.
        res.header(HeaderNames.CONTENT_LENGTH, Integer.toString(body.length));
        if (req.prologue().method() == Method.HEAD) {
            // Helidon would send the entity on HEAD too, which breaks the connection's framing.
            res.send();
        } else {
            res.send(body);
        }
    }
}
