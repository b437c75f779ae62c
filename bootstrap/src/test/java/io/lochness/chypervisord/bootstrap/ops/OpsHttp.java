package io.lochness.chypervisord.bootstrap.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.Predicate;

/** A small HTTP/1.1 client for the operability tests, on the JDK's {@link HttpClient}. */
final class OpsHttp implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private final String base;

    OpsHttp(int port) {
        this.base = "http://127.0.0.1:" + port;
    }

    HttpResponse<String> get(String path) {
        return send("GET", path, null);
    }

    HttpResponse<String> send(String method, String path, String body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
                .timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        try {
            return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + path + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /**
     * Repeats {@code GET path} until {@code done} holds for the answer (connection failures count
     * as not done) or {@code bound} has passed; returns the last answer, or fails.
     */
    HttpResponse<String> pollGet(String path, Predicate<HttpResponse<String>> done, Duration bound) {
        long giveUp = System.nanoTime() + bound.toNanos();
        HttpResponse<String> last = null;
        String lastError = "no answer";
        while (true) {
            try {
                last = get(path);
                if (done.test(last)) {
                    return last;
                }
                lastError = "HTTP " + last.statusCode() + " " + last.body();
            } catch (UncheckedIOException e) {
                lastError = e.getMessage();
            }
            if (System.nanoTime() > giveUp) {
                throw new AssertionError("GET " + path + " did not reach the expected state within " + bound
                        + "; last: " + lastError);
            }
            sleep(200);
        }
    }

    static JsonNode json(HttpResponse<String> response) {
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON (HTTP " + response.statusCode() + "): " + response.body(), e);
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    @Override
    public void close() {
        client.close();
    }
}
