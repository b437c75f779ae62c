package io.lochness.chypervisord.adapter.out.etcd;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Test handle on one real etcd server (a local process or a container) started by {@link
 * EtcdServerExtension}: its address, kill/restart, and a tiny raw client for interop checks.
 *
 * <p>The raw client speaks etcd's v3 JSON gateway ({@code /v3/kv/...}, base64 keys and values)
 * with the JDK {@link HttpClient}, so it shares no code with the adapter under test.
 */
public final class EtcdServer {

    /** What actually runs etcd: a local process or a container. */
    interface Backend {
        /** The host the client port is reachable on. */
        String host();

        /** The client port. */
        int port();

        /** Starts etcd (again, on the same data and ports) and returns without waiting for health. */
        void launch() throws IOException;

        /** SIGKILLs etcd and waits until it is gone. */
        void kill();

        boolean isRunning();

        /** The end of etcd's log, for failure messages. */
        String logTail();

        /** Stops etcd for good and deletes its data. */
        void destroy();
    }

    /** etcd starts in about a second; the rest is slack for a loaded machine and a busy disk. */
    private static final Duration STARTUP_WAIT = Duration.ofSeconds(60);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
    private static final Pattern VALUE = Pattern.compile("\"value\"\\s*:\\s*\"([^\"]*)\"");
    private static final Pattern KVS = Pattern.compile("\"kvs\"\\s*:\\s*\\[\\s*\\{");

    private final Backend backend;
    private final String description;
    private final HttpClient http =
            HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(2))
                    .build();

    EtcdServer(Backend backend, String description) {
        this.backend = backend;
        this.description = description;
    }

    /** The client URL, e.g. {@code http://127.0.0.1:23790}. */
    public String endpoint() {
        return "http://" + backend.host() + ":" + backend.port();
    }

    /** The {@code --kv} address of this server, e.g. {@code etcd://127.0.0.1:23790}. */
    public String kvAddress() {
        return "etcd://" + backend.host() + ":" + backend.port();
    }

    /** Store settings for this server, with the default deadline and no credentials. */
    public EtcdSettings settings() {
        return EtcdSettings.of(List.of(URI.create(endpoint())));
    }

    /** SIGKILLs etcd and waits until it has exited; its data and ports are kept for {@link #start()}. */
    public void kill() {
        backend.kill();
    }

    /** Starts etcd again on the same data directory and ports, and waits until it is healthy. */
    public void start() {
        if (backend.isRunning()) {
            return;
        }
        try {
            backend.launch();
        } catch (IOException e) {
            throw new IllegalStateException("could not start etcd: " + e.getMessage(), e);
        }
        awaitHealthy();
    }

    /** Whether etcd is running (not whether it is healthy yet). */
    public boolean isRunning() {
        return backend.isRunning();
    }

    /**
     * Compacts etcd's history before {@code revision} with the {@code Compact} RPC ({@code
     * physical}: it returns once the compaction is applied), on a channel of its own.
     */
    public void compact(long revision) {
        io.grpc.ManagedChannel channel = io.grpc.netty.NettyChannelBuilder
                .forAddress(backend.host(), backend.port()).usePlaintext().build();
        try {
            io.etcd.jetcd.api.KVGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(10, java.util.concurrent.TimeUnit.SECONDS)
                    .compact(io.etcd.jetcd.api.CompactionRequest.newBuilder()
                            .setRevision(revision).setPhysical(true).build());
        } finally {
            channel.shutdownNow();
        }
    }

    /** Writes {@code key} directly through etcd's JSON gateway. */
    public void put(String key, String value) {
        post("/v3/kv/put", "{\"key\":\"" + b64(key) + "\",\"value\":\"" + b64(value) + "\"}");
    }

    /** Reads {@code key} directly through etcd's JSON gateway. */
    public Optional<String> get(String key) {
        String body = post("/v3/kv/range", "{\"key\":\"" + b64(key) + "\"}");
        if (!KVS.matcher(body).find()) {
            return Optional.empty();
        }
        Matcher value = VALUE.matcher(body);
        return Optional.of(
                value.find()
                        ? new String(Base64.getDecoder().decode(value.group(1)), StandardCharsets.UTF_8)
                        : "");
    }

    /** Deletes {@code key} directly through etcd's JSON gateway. */
    public void delete(String key) {
        post("/v3/kv/deleterange", "{\"key\":\"" + b64(key) + "\"}");
    }

    @Override
    public String toString() {
        return "EtcdServer[" + description + " at " + endpoint() + "]";
    }

    /** Polls {@code /health} until etcd answers healthy, or fails with its log after {@link #STARTUP_WAIT}. */
    void awaitHealthy() {
        long giveUp = System.nanoTime() + STARTUP_WAIT.toNanos();
        String last = "no answer";
        while (System.nanoTime() < giveUp) {
            if (!backend.isRunning()) {
                throw new IllegalStateException(
                        "etcd exited during startup (" + description + "); its log:\n" + backend.logTail());
            }
            try {
                HttpResponse<String> response =
                        http.send(
                                HttpRequest.newBuilder(URI.create(endpoint() + "/health"))
                                        .timeout(Duration.ofSeconds(1))
                                        .GET()
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200 && response.body().contains("true")) {
                    return;
                }
                last = "HTTP " + response.statusCode() + " " + response.body();
            } catch (IOException e) {
                last = e.toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for etcd", e);
            }
            sleep(100);
        }
        throw new IllegalStateException(
                "etcd did not become healthy within " + STARTUP_WAIT + " (" + description + ", last: "
                        + last + "); its log:\n" + backend.logTail());
    }

    /** Stops etcd for good and deletes its data. */
    void destroy() {
        backend.destroy();
    }

    private String post(String path, String json) {
        try {
            HttpResponse<String> response =
                    http.send(
                            HttpRequest.newBuilder(URI.create(endpoint() + path))
                                    .timeout(REQUEST_TIMEOUT)
                                    .header("Content-Type", "application/json")
                                    .POST(HttpRequest.BodyPublishers.ofString(json))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException(
                        "etcd " + path + " answered HTTP " + response.statusCode() + ": " + response.body());
            }
            return response.body();
        } catch (IOException e) {
            throw new IllegalStateException("etcd " + path + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during etcd " + path, e);
        }
    }

    private static String b64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
