package io.lochness.chypervisord.bootstrap;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Reads etcd's v2 keyspace, where the original lochness daemons ({@code github.com/coreos/go-etcd})
 * keep their data, over the v2 HTTP API: one {@code GET /v2/keys/PREFIX?recursive=true}. The JDK
 * {@link HttpClient} and Jackson: the v2 API is plain JSON over HTTP/1.1 and nothing else here
 * speaks it.
 */
final class V2Keyspace {
    /** A v2 key that holds a value: its key without the leading {@code /}, and its remaining TTL. */
    record Entry(String key, String value, long ttlSeconds) {
        boolean expires() {
            return ttlSeconds > 0;
        }
    }

    /** The v2 keyspace could not be read; the message is one line. */
    static final class V2Exception extends RuntimeException {
        V2Exception(String message) {
            super(message);
        }
    }

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final URI from;
    private final String username;
    private final String password;

    /** The v2 API at {@code from} ({@code http(s)://host:port}); credentials may be null. */
    V2Keyspace(URI from, String username, String password) {
        this.from = from;
        this.username = username;
        this.password = password;
    }

    /**
     * Every key under {@code prefix} (which ends with {@code /}) that holds a value, in key order;
     * directories are structure and give no entry. Empty when the prefix does not exist in v2.
     */
    List<Entry> read(String prefix) {
        String path = prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
        URI uri = from.resolve("/v2/keys/" + path + "?recursive=true&sorted=true&quorum=true");
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(TIMEOUT).GET();
        if (username != null) {
            // The v2 API's own authentication is HTTP basic auth.
            String token = Base64.getEncoder().encodeToString(
                    (username + ":" + (password == null ? "" : password)).getBytes(StandardCharsets.UTF_8));
            request.header("Authorization", "Basic " + token);
        }
        HttpResponse<String> response;
        try (HttpClient client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10))
                .build()) {
            response = client.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (ConnectException | HttpConnectTimeoutException e) {
            throw new V2Exception("cannot reach etcd's v2 API at " + from + ": connection refused or timed out");
        } catch (HttpTimeoutException e) {
            throw new V2Exception("etcd's v2 API at " + from + " did not answer within " + TIMEOUT.toSeconds() + " s");
        } catch (IOException e) {
            throw new V2Exception("cannot read etcd's v2 API at " + from + ": "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new V2Exception("interrupted while reading " + uri);
        }
        JsonNode body = json(response.body());
        if (response.statusCode() == 404 && body != null && body.path("errorCode").asInt() == 100) {
            return List.of(); // "Key not found": nothing stored under the prefix
        }
        if (response.statusCode() == 404 && body == null) {
            throw new V2Exception("etcd at " + from + " does not serve the v2 API (start etcd 3.4 with --enable-v2)");
        }
        if (response.statusCode() != 200 || body == null || !body.path("node").isObject()) {
            String message = body == null ? "" : body.path("message").asText("");
            throw new V2Exception("GET " + uri + " answered " + response.statusCode()
                    + (message.isEmpty() ? "" : ": " + message));
        }
        List<Entry> out = new ArrayList<>();
        collect(body.get("node"), out);
        return out;
    }

    private static void collect(JsonNode node, List<Entry> out) {
        if (node.path("dir").asBoolean(false)) {
            for (JsonNode child : node.path("nodes")) {
                collect(child, out);
            }
            return;
        }
        String key = node.path("key").asText();
        out.add(new Entry(key.startsWith("/") ? key.substring(1) : key,
                node.path("value").asText(""), node.path("ttl").asLong(0)));
    }

    private static JsonNode json(String text) {
        try {
            JsonNode node = MAPPER.readTree(text);
            return node != null && node.isObject() ? node : null;
        } catch (JsonProcessingException e) {
            return null;
        }
    }
}
