package io.lochness.chypervisord.bootstrap.ops;

import static io.lochness.chypervisord.bootstrap.ops.OpsHttp.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.JsonNode;
import io.lochness.chypervisord.adapter.out.etcd.EtcdServerExtension;
import io.lochness.chypervisord.bootstrap.Chypervisord;
import io.lochness.chypervisord.bootstrap.Main;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Health against a real etcd: readiness follows the store (DOWN while etcd is gone, UP again by
 * itself), liveness does not; the API answers 503 rather than hanging while the store is away,
 * and serves again, with its data, once it is back — without restarting the service.
 */
class HealthTest {
    @RegisterExtension
    static final EtcdServerExtension ETCD = new EtcdServerExtension();

    /** Generous: the store's per-call deadline is 3 s; a 503 must come well within this. */
    private static final Duration NO_HANG = Duration.ofSeconds(15);
    /** How long etcd (or the client's reconnect backoff) may take to come back. */
    private static final Duration RECOVERY = Duration.ofSeconds(60);

    private Chypervisord app;
    private OpsHttp http;

    @AfterEach
    void stop() {
        if (http != null) {
            http.close();
        }
        if (app != null) {
            app.close();
        }
        if (!ETCD.server().isRunning()) {
            ETCD.server().start();
        }
    }

    private void launch() {
        Main.Launch launch = Main.launch(
                new String[] {"--kv", ETCD.server().kvAddress(), "-p", "0"}, System.out, System.err);
        assertThat(launch.app()).as("launched (exit code %d)", launch.exitCode()).isNotNull();
        app = launch.app();
        http = new OpsHttp(app.port());
    }

    @Test
    void readinessFollowsTheStoreAndLivenessDoesNot() throws Exception {
        launch();
        HttpResponse<String> ready = http.get("/observe/health/ready");
        assertThat(ready.statusCode()).isEqualTo(200);
        JsonNode up = json(ready);
        assertThat(up.path("status").asText()).isEqualTo("UP");
        JsonNode storeCheck = check(up, "store");
        assertThat(storeCheck.path("status").asText()).isEqualTo("UP");
        assertThat(storeCheck.at("/data/store").asText()).isEqualTo("etcd");

        HttpResponse<String> created = http.send("POST", "/hypervisors", "{\"ip\":\"10.0.0.7\"}");
        assertThat(created.statusCode()).isEqualTo(201);
        String location = created.headers().firstValue("Location").orElseThrow();
        String acknowledged = created.body();

        ETCD.server().kill();

        HttpResponse<String> down = http.pollGet("/observe/health/ready", r -> r.statusCode() == 503, RECOVERY);
        JsonNode downJson = json(down);
        assertThat(downJson.path("status").asText()).isEqualTo("DOWN");
        JsonNode downCheck = check(downJson, "store");
        assertThat(downCheck.path("status").asText()).isEqualTo("DOWN");
        assertThat(downCheck.at("/data/store").asText()).isEqualTo("etcd");
        assertThat(downCheck.at("/data/error").asText()).isNotBlank();

        HttpResponse<String> live = http.get("/observe/health/live");
        assertThat(live.statusCode()).isEqualTo(200);
        assertThat(json(live).path("status").asText()).isEqualTo("UP");
        assertThat(json(http.get("/observe/health")).path("status").asText()).isEqualTo("DOWN");

        assertUnavailable("GET", "/hypervisors", null);
        assertUnavailable("GET", location, null);
        assertUnavailable("POST", "/hypervisors", "{}");
        assertUnavailable("PATCH", location + "/config", "{\"a\":\"b\"}");

        ETCD.server().start();

        HttpResponse<String> again = http.pollGet("/observe/health/ready", r -> r.statusCode() == 200, RECOVERY);
        assertThat(json(again).path("status").asText()).isEqualTo("UP");
        HttpResponse<String> kept = http.pollGet(location, r -> r.statusCode() != 503, RECOVERY);
        assertThat(kept.statusCode()).isEqualTo(200);
        assertThat(json(kept)).as("the write acknowledged before etcd died").isEqualTo(OpsHttp.JSON.readTree(acknowledged));
        assertThat(http.send("POST", "/hypervisors", "{}").statusCode()).isEqualTo(201);
    }

    @Test
    void startsWhileTheStoreIsDownAndServesOnceItIsUp() {
        ETCD.server().kill();
        launch();

        assertThat(http.get("/observe/health/live").statusCode()).isEqualTo(200);
        HttpResponse<String> ready = http.pollGet("/observe/health/ready", r -> r.statusCode() == 503, RECOVERY);
        assertThat(check(json(ready), "store").at("/data/error").asText()).isNotBlank();
        assertUnavailable("GET", "/hypervisors", null);
        assertUnavailable("POST", "/hypervisors", "{}");

        ETCD.server().start();

        http.pollGet("/observe/health/ready", r -> r.statusCode() == 200, RECOVERY);
        String id = UUID.randomUUID().toString();
        HttpResponse<String> created = pollSend("POST", "/hypervisors", "{\"id\":\"" + id + "\"}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(http.get("/hypervisors/" + id).statusCode()).isEqualTo(200);
    }

    /**
     * While etcd is down, what the service says about it (the 503 body, the readiness detail) is
     * one line of text, never a Java stack trace.
     */
    @Test
    void storeFailuresReachClientsAsOneLineWithoutStackTrace() {
        launch();
        ETCD.server().kill();
        HttpResponse<String> ready = http.pollGet("/observe/health/ready", r -> r.statusCode() == 503, RECOVERY);
        String detail = check(json(ready), "store").at("/data/error").asText();
        HttpResponse<String> list = assertTimeoutPreemptively(NO_HANG, () -> http.get("/hypervisors"));
        HttpResponse<String> write = assertTimeoutPreemptively(NO_HANG, () -> http.send("POST", "/hypervisors", "{}"));
        for (String message : java.util.List.of(detail, json(list).path("message").asText(),
                json(write).path("message").asText())) {
            assertThat(message).isNotBlank().doesNotContain("\n").doesNotContain("\tat ").doesNotContain("Caused by");
        }
    }

    /** The request answers 503 with the error body and Retry-After, within the no-hang bound. */
    private void assertUnavailable(String method, String path, String body) {
        HttpResponse<String> r = assertTimeoutPreemptively(NO_HANG, () -> http.send(method, path, body),
                () -> method + " " + path + " hung while the store is down");
        assertThat(r.statusCode()).as("%s %s: %s", method, path, r.body()).isEqualTo(503);
        JsonNode error = json(r);
        assertThat(error.path("code").asInt()).isEqualTo(503);
        assertThat(error.path("message").asText()).isNotBlank();
        assertThat(error.size()).as("only message and code").isEqualTo(2);
        assertThat(r.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
    }

    /** Sends until the answer is not 503 (the client may still be reconnecting), bounded. */
    private HttpResponse<String> pollSend(String method, String path, String body) {
        long giveUp = System.nanoTime() + RECOVERY.toNanos();
        HttpResponse<String> r = http.send(method, path, body);
        while (r.statusCode() == 503 && System.nanoTime() < giveUp) {
            OpsHttp.sleep(200);
            r = http.send(method, path, body);
        }
        return r;
    }

    private static JsonNode check(JsonNode health, String name) {
        for (JsonNode c : health.path("checks")) {
            if (c.path("name").asText().equals(name)) {
                return c;
            }
        }
        throw new AssertionError("no check " + name + " in " + health);
    }
}
