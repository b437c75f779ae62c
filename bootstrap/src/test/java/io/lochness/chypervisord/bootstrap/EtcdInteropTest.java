package io.lochness.chypervisord.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import io.lochness.chypervisord.adapter.out.etcd.EtcdServerExtension;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The service as another lochness daemon sees it: keys written straight into a real etcd in the
 * lochness layout are served by the API, and what the API writes is in that layout.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EtcdInteropTest {
    @RegisterExtension
    static final EtcdServerExtension ETCD = new EtcdServerExtension();

    private final HttpClient http = HttpClient.newHttpClient();
    private Chypervisord app;

    /**
     * Started by the first test, not in {@code @BeforeAll}: where there is no etcd, the extension
     * skips each test in {@code beforeEach} (or fails the class in CI), and nothing should run.
     */
    private Chypervisord app() {
        if (app != null) {
            return app;
        }
        Main.Launch launch = Main.launch(new String[] {"--kv", ETCD.server().kvAddress(), "-p", "0"},
                new PrintStream(new ByteArrayOutputStream()), new PrintStream(new ByteArrayOutputStream()));
        assertThat(launch.app()).as("service started on etcd").isNotNull();
        app = launch.app();
        return app;
    }

    @AfterAll
    void stop() {
        if (app != null) {
            app.close();
        }
    }

    private HttpResponse<String> send(String method, String path, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app().port() + path));
        request.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    private static String record(String id) {
        return "{\"id\":\"" + id + "\",\"metadata\":{\"rack\":\"r1\"},\"ip\":\"10.1.2.3\",\"netmask\":\"255.255.255.0\","
                + "\"gateway\":\"10.1.2.1\",\"mac\":\"52:54:00:aa:bb:cc\",\"total_resources\":{\"memory\":2048,\"disk\":100,\"cpu\":4},"
                + "\"available_resources\":{\"memory\":1024,\"disk\":50,\"cpu\":2},\"extra_go_field\":true}";
    }

    @Test
    @DisplayName("a record, config and subnets written straight into etcd are served by the API")
    void keysWrittenByAnotherDaemonAreServed() throws Exception {
        String id = UUID.randomUUID().toString();
        String prefix = "lochness/hypervisors/" + id + "/";
        ETCD.server().put(prefix + "metadata", record(id));
        ETCD.server().put(prefix + "config/kernel", "5.10");
        ETCD.server().put(prefix + "subnets/c6430cba-648a-41aa-aee4-b59dacfc790d", "br0");

        HttpResponse<String> get = send("GET", "/hypervisors/" + id, null);
        assertThat(get.statusCode()).isEqualTo(200);
        assertThat(get.body()).isEqualTo("{\"id\":\"" + id + "\",\"metadata\":{\"rack\":\"r1\"},\"ip\":\"10.1.2.3\","
                + "\"netmask\":\"255.255.255.0\",\"gateway\":\"10.1.2.1\",\"mac\":\"52:54:00:aa:bb:cc\","
                + "\"total_resources\":{\"memory\":2048,\"disk\":100,\"cpu\":4},"
                + "\"available_resources\":{\"memory\":1024,\"disk\":50,\"cpu\":2}}");
        assertThat(send("GET", "/hypervisors", null).body()).contains("\"id\":\"" + id + "\"");
        assertThat(send("GET", "/hypervisors/" + id + "/config", null).body()).isEqualTo("{\"kernel\":\"5.10\"}");
        assertThat(send("GET", "/hypervisors/" + id + "/subnets", null).body())
                .isEqualTo("{\"c6430cba-648a-41aa-aee4-b59dacfc790d\":\"br0\"}");
    }

    @Test
    @DisplayName("guest keys put straight into etcd are listed and make DELETE answer 409, deleting nothing")
    void guestsWrittenByAnotherDaemonBlockDelete() throws Exception {
        String id = UUID.randomUUID().toString();
        assertThat(send("POST", "/hypervisors", "{\"id\":\"" + id + "\"}").statusCode()).isEqualTo(201);
        assertThat(send("PATCH", "/hypervisors/" + id + "/config", "{\"a\":\"1\"}").statusCode()).isEqualTo(200);
        String prefix = "lochness/hypervisors/" + id + "/";
        ETCD.server().put(prefix + "guests/f2011319-ad59-42fb-9bad-92e261f0651c", "");
        ETCD.server().put(prefix + "guests/ad762efc-3c23-402b-8e1f-a248a005efb9", "");

        assertThat(send("GET", "/hypervisors/" + id + "/guests", null).body())
                .isEqualTo("[\"ad762efc-3c23-402b-8e1f-a248a005efb9\",\"f2011319-ad59-42fb-9bad-92e261f0651c\"]");
        HttpResponse<String> delete = send("DELETE", "/hypervisors/" + id, null);
        assertThat(delete.statusCode()).isEqualTo(409);
        assertThat(delete.body()).contains("\"code\":409");
        assertThat(ETCD.server().get(prefix + "metadata")).isPresent();
        assertThat(ETCD.server().get(prefix + "config/a")).contains("1");

        ETCD.server().delete(prefix + "guests/f2011319-ad59-42fb-9bad-92e261f0651c");
        ETCD.server().delete(prefix + "guests/ad762efc-3c23-402b-8e1f-a248a005efb9");
        assertThat(send("DELETE", "/hypervisors/" + id, null).statusCode()).isEqualTo(200);
        assertThat(ETCD.server().get(prefix + "metadata")).isEmpty();
        assertThat(ETCD.server().get(prefix + "config/a")).isEmpty();
    }

    @Test
    @DisplayName("what the API writes lands in etcd in the lochness layout, readable by the other daemons")
    void apiWritesTheLochnessLayout() throws Exception {
        String id = UUID.randomUUID().toString();
        String upper = id.toUpperCase();
        assertThat(send("POST", "/hypervisors", "{\"id\":\"" + upper + "\",\"ip\":\"10.0.0.9\"}").statusCode())
                .isEqualTo(201);
        send("PATCH", "/hypervisors/" + upper + "/config", "{\"k\":\"v\"}");
        send("PATCH", "/hypervisors/" + id + "/subnets", "{\"C6430CBA-648A-41AA-AEE4-B59DACFC790D\":\"br1\"}");
        String prefix = "lochness/hypervisors/" + id + "/";
        assertThat(ETCD.server().get(prefix + "metadata")).hasValueSatisfying(json -> assertThat(json)
                .startsWith("{\"id\":\"" + id + "\",\"metadata\":{},\"ip\":\"10.0.0.9\""));
        assertThat(ETCD.server().get(prefix + "config/k")).contains("v");
        assertThat(ETCD.server().get(prefix + "subnets/c6430cba-648a-41aa-aee4-b59dacfc790d")).contains("br1");
    }
}
