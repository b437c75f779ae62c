package io.lochness.chypervisord.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;

/**
 * hv's side of chypervisord's HTTP API, over the JDK's HttpClient: JSON in and out, an error answer
 * as an {@link ApiException}, a service it cannot talk to as a {@link FatalException}.
 */
final class Client {
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

    private static final Map<Integer, String> REASONS = Map.ofEntries(
            Map.entry(400, "Bad Request"), Map.entry(401, "Unauthorized"), Map.entry(403, "Forbidden"),
            Map.entry(404, "Not Found"), Map.entry(405, "Method Not Allowed"), Map.entry(409, "Conflict"),
            Map.entry(410, "Gone"), Map.entry(412, "Precondition Failed"), Map.entry(413, "Content Too Large"),
            Map.entry(500, "Internal Server Error"), Map.entry(502, "Bad Gateway"),
            Map.entry(503, "Service Unavailable"), Map.entry(504, "Gateway Timeout"));

    /** A JSON answer, with where it came from and its headers (paging reads {@code Link}). */
    record Answer(URI uri, JsonNode body, HttpHeaders headers) {}

    private final String base;
    private final String token;
    private final HttpClient http;

    /**
     * @param server the service's URL, e.g. {@code http://localhost:17000} (a path prefix is kept)
     * @param token sent as {@code Authorization: Bearer}, or null
     * @param ssl the TLS context for https (trusting {@code --cacert}), or null for the JVM's default
     */
    Client(URI server, String token, SSLContext ssl) {
        String text = server.toString();
        this.base = text.endsWith("/") ? text.substring(0, text.length() - 1) : text;
        this.token = token;
        HttpClient.Builder builder = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(CONNECT_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NEVER);
        if (ssl != null) {
            builder.sslContext(ssl);
        }
        this.http = builder.build();
    }

    /** The URL of {@code /segments...?query}; each segment is percent-encoded, so an argument stays one segment. */
    URI uri(List<String> segments, List<Map.Entry<String, String>> query) {
        StringBuilder url = new StringBuilder(base);
        for (String segment : segments) {
            url.append('/').append(encodeSegment(segment));
        }
        char separator = '?';
        for (Map.Entry<String, String> parameter : query) {
            url.append(separator).append(encode(parameter.getKey())).append('=').append(encode(parameter.getValue()));
            separator = '&';
        }
        return URI.create(url.toString());
    }

    URI uri(String... segments) {
        return uri(List.of(segments), List.of());
    }

    JsonNode get(String... segments) {
        return send("GET", uri(segments), null).body();
    }

    JsonNode post(String body, String... segments) {
        return send("POST", uri(segments), body).body();
    }

    JsonNode patch(String body, String... segments) {
        return send("PATCH", uri(segments), body).body();
    }

    JsonNode delete(String... segments) {
        return send("DELETE", uri(segments), null).body();
    }

    /** One request with a JSON answer; a status other than 2xx is an {@link ApiException}. */
    Answer send(String method, URI uri, String body) {
        HttpRequest.Builder request = request(uri).header("Accept", "application/json");
        if (body == null) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        }
        HttpResponse<String> response = exchange(uri, request.timeout(REQUEST_TIMEOUT).build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        if (response.statusCode() / 100 != 2) {
            throw error(response.statusCode(), response.body());
        }
        try {
            return new Answer(uri, Json.MAPPER.readTree(response.body()), response.headers());
        } catch (JsonProcessingException e) {
            throw new ApiException(response.statusCode(), "the answer to " + method + " " + uri.getRawPath()
                    + " is not JSON: " + abbreviate(response.body()));
        }
    }

    /**
     * Opens a server-sent event stream; the caller reads (and closes) the body. Any status is
     * returned: the caller decides (410 means starting again).
     */
    HttpResponse<InputStream> stream(URI uri, String lastEventId) {
        HttpRequest.Builder request = request(uri).header("Accept", "text/event-stream")
                .header("Cache-Control", "no-cache").GET().timeout(REQUEST_TIMEOUT);
        if (lastEventId != null) {
            request.header("Last-Event-ID", lastEventId);
        }
        return exchange(uri, request.build(), HttpResponse.BodyHandlers.ofInputStream());
    }

    /** The exception for an error answer: the service's JSON {@code message}, else its body or the reason. */
    static ApiException error(int status, String body) {
        String message = null;
        try {
            JsonNode json = Json.MAPPER.readTree(body);
            if (json != null && json.path("message").isTextual()) {
                message = json.get("message").asText();
            }
        } catch (JsonProcessingException e) {
            // not the service's JSON error: a proxy's page, say
        }
        if (message == null) {
            message = body == null || body.isBlank() ? REASONS.getOrDefault(status, "HTTP error") : abbreviate(body);
        }
        return new ApiException(status, message.replaceAll("[\\r\\n]+", " ").strip());
    }

    private HttpRequest.Builder request(URI uri) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri);
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return request;
    }

    private <T> HttpResponse<T> exchange(URI uri, HttpRequest request, HttpResponse.BodyHandler<T> handler) {
        try {
            return http.send(request, handler);
        } catch (IOException e) {
            throw unreachable(uri, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FatalException("interrupted");
        }
    }

    /** One line for a service hv could not talk to. */
    static FatalException unreachable(URI uri, IOException e) {
        String where = uri.getScheme() + "://" + uri.getRawAuthority();
        if (e instanceof HttpConnectTimeoutException) {
            return new FatalException("cannot reach " + where + ": no connection within "
                    + CONNECT_TIMEOUT.toSeconds() + " s");
        }
        if (e instanceof HttpTimeoutException) {
            return new FatalException(where + " did not answer within " + REQUEST_TIMEOUT.toSeconds() + " s");
        }
        if (causes(e, UnresolvedAddressException.class)) {
            return new FatalException("cannot reach " + where + ": unknown host " + uri.getHost());
        }
        Optional<Throwable> tls = cause(e, SSLException.class);
        if (tls.isPresent()) {
            String why = rootMessage(tls.get());
            if (causes(e, java.security.cert.CertificateException.class)) {
                why = "its certificate is not trusted (name its CA with --cacert)";
            }
            return new FatalException("TLS with " + where + " failed: " + why);
        }
        if (causes(e, ConnectException.class)) {
            return new FatalException("cannot reach " + where + ": connection refused");
        }
        return new FatalException("cannot reach " + where + ": " + rootMessage(e));
    }

    private static boolean causes(Throwable e, Class<? extends Throwable> type) {
        return cause(e, type).isPresent();
    }

    private static Optional<Throwable> cause(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage() != null ? root.getMessage() : e.getMessage();
        return message != null ? message.replaceAll("[\\r\\n]+", " ") : root.getClass().getSimpleName();
    }

    static String abbreviate(String text) {
        String line = text.strip().replaceAll("\\s+", " ");
        return line.length() <= 200 ? line : line.substring(0, 200) + "...";
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** A path segment; "." and ".." are encoded too, so they never walk the path. */
    private static String encodeSegment(String segment) {
        String encoded = encode(segment);
        return encoded.equals(".") || encoded.equals("..") ? encoded.replace(".", "%2E") : encoded;
    }
}
