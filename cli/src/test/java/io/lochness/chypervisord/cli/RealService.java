package io.lochness.chypervisord.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.lochness.chypervisord.bootstrap.Chypervisord;
import io.lochness.chypervisord.bootstrap.Main;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A real chypervisord, started in-process through its own command line ({@code --kv KV -p 0}), as
 * hv's tests' server. The tests talk to it only over HTTP, as hv does.
 */
final class RealService implements AutoCloseable {
    private final Chypervisord app;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private RealService(Chypervisord app) {
        this.app = app;
    }

    static RealService memory() {
        return start("mem://");
    }

    static RealService start(String kv) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Main.Launch launch = Main.launch(new String[] {"--kv", kv, "-p", "0", "-l", "error"},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        if (launch.app() == null) {
            throw new IllegalStateException("chypervisord did not start (" + launch.exitCode() + "): "
                    + err.toString(StandardCharsets.UTF_8));
        }
        RealService service = new RealService(launch.app());
        service.awaitReady();
        return service;
    }

    /**
     * Waits (bounded) until the list answers 200: the first store request of a service on a store
     * that has just started (etcd's first connection, on a loaded machine) may take longer than
     * the service's store deadline.
     */
    private void awaitReady() {
        long giveUp = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        AssertionError last = null;
        while (System.nanoTime() < giveUp) {
            try {
                send("GET", "/hypervisors", null);
                return;
            } catch (AssertionError | UncheckedIOException e) {
                last = e instanceof AssertionError a ? a : new AssertionError(e);
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        app.close();
        throw new IllegalStateException("chypervisord did not answer GET /hypervisors within 60 s", last);
    }

    String url() {
        return "http://127.0.0.1:" + app.port();
    }

    /** Deletes every hypervisor (through the API), so a test starts from an empty registry. */
    void clear() {
        for (JsonNode record : json(send("GET", "/hypervisors", null))) {
            send("DELETE", "/hypervisors/" + record.get("id").asText(), null);
        }
    }

    /** One request straight to the service (test setup and checks); returns the body, failing on non-2xx. */
    String send(String method, String path, String body) {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url() + path))
                    .timeout(Duration.ofSeconds(30))
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                    .build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() / 100 != 2) {
                throw new AssertionError(method + " " + path + " answered " + response.statusCode() + ": " + response.body());
            }
            return response.body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static JsonNode json(String text) {
        try {
            return Json.MAPPER.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        app.close();
    }
}
