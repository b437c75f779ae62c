package io.lochness.chypervisord.bootstrap.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.lochness.chypervisord.bootstrap.BuildInfo;
import io.lochness.chypervisord.bootstrap.Chypervisord;
import io.lochness.chypervisord.bootstrap.Main;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** {@code /observe/info}, and {@code OPTIONS} on the paths outside the API. */
class InfoTest {
    private static Chypervisord app;
    private static OpsHttp http;

    @BeforeAll
    static void start() {
        Main.Launch launch = Main.launch(new String[] {"--kv", "mem://", "-p", "0"}, System.out, System.err);
        assertThat(launch.app()).isNotNull();
        app = launch.app();
        http = new OpsHttp(app.port());
    }

    @AfterAll
    static void stop() {
        if (http != null) {
            http.close();
        }
        if (app != null) {
            app.close();
        }
    }

    @Test
    @DisplayName("/observe/info names the version, the commit, the store kind and its address")
    void info() throws Exception {
        HttpResponse<String> r = http.get("/observe/info");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        JsonNode info = OpsHttp.JSON.readTree(r.body());
        BuildInfo build = BuildInfo.current();
        assertThat(info.path("name").asText()).isEqualTo("chypervisord");
        assertThat(info.path("version").asText()).isEqualTo(build.version()).isNotEqualTo("unknown");
        assertThat(info.path("commit").asText()).isEqualTo(build.commit());
        assertThat(info.path("store").path("kind").asText()).isEqualTo("memory");
        assertThat(info.path("store").path("address").asText()).isEqualTo("mem://");
    }

    @Test
    @DisplayName("OPTIONS on /openapi and the /observe paths: 204 with an Allow that tells the truth")
    void optionsOutsideTheApi() {
        for (String path : List.of("/openapi", "/observe/info", "/observe/metrics", "/observe/health",
                "/observe/health/ready", "/observe/health/live")) {
            HttpResponse<String> r = http.send("OPTIONS", path, null);
            assertThat(r.statusCode()).as(path).isEqualTo(204);
            assertThat(r.body()).isEmpty();
            String allow = r.headers().firstValue("Allow").orElseThrow();
            assertThat(allow).as(path).isIn("GET, HEAD, OPTIONS", "GET, OPTIONS");
            assertThat(http.get(path).statusCode()).as("GET %s", path).isEqualTo(200);
            HttpResponse<String> head = http.send("HEAD", path, null);
            if (allow.contains("HEAD")) {
                assertThat(head.statusCode()).as("HEAD %s", path).isIn(200, 204);
                assertThat(head.body()).isEmpty();
            } else {
                assertThat(head.statusCode()).as("HEAD %s, not in Allow", path).isGreaterThanOrEqualTo(400);
            }
        }
    }
}
