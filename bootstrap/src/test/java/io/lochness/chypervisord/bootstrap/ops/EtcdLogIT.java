package io.lochness.chypervisord.bootstrap.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.lochness.chypervisord.adapter.out.etcd.EtcdServer;
import io.lochness.chypervisord.adapter.out.etcd.EtcdServerExtension;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The jar on a real etcd at {@code -l debug}: each store call is one line ({@code
 * chypervisord.store}, not also the adapter's), and a store outage is one line per failure, no
 * stack trace and no gRPC or Netty noise.
 */
@ExtendWith(EtcdServerExtension.class)
class EtcdLogIT {
    @Test
    @DisplayName("-l debug on etcd: one line per store call; an etcd outage logs no stack trace")
    void oneLinePerStoreCallAndNoStackTraces(EtcdServer etcd) {
        String stderr;
        try (ChildProcess child = ChildProcess.start("--kv", etcd.kvAddress(), "-l", "debug");
                OpsHttp http = new OpsHttp(child.port)) {
            child.awaitServing(http);
            assertThat(http.get("/hypervisors").statusCode()).isEqualTo(200);
            assertThat(http.send("POST", "/hypervisors", "{\"id\":\"" + UUID.randomUUID() + "\"}").statusCode())
                    .isEqualTo(201);
            etcd.kill();
            try {
                assertThat(http.get("/hypervisors").statusCode()).isEqualTo(503);
            } finally {
                etcd.start();
            }
            child.terminate();
            assertThat(child.awaitExit(Duration.ofSeconds(30))).as("exit status; stderr:\n%s", child.stderr()).isZero();
            stderr = child.stderr();
        }
        List<String> store = stderr.lines().filter(l -> l.contains(" chypervisord.store: ")).toList();
        // The view's load: one paged read; GET: the revision call (answered from the view); POST:
        // one txn; the GET during the outage: one failed call (the revision call while the view
        // has not yet seen its watch break, else a read straight from the store).
        assertThat(store).as(stderr).hasSize(4);
        assertThat(store.get(0)).contains("etcd read lochness/hypervisors/");
        assertThat(store.get(1)).contains("etcd revision current");
        assertThat(store.get(2)).contains("etcd txn ");
        assertThat(store.get(3)).containsAnyOf("etcd read lochness/hypervisors/", "etcd revision current").contains("failed");
        assertThat(stderr).as("the adapter does not log the calls again")
                .doesNotContain("EtcdKeyValueStore: etcd read").doesNotContain("EtcdKeyValueStore: etcd txn");
        assertThat(stderr).as("no stack trace for an outage").doesNotContain("\tat ").doesNotContain("Caused by");
        assertThat(stderr.lines().filter(l -> !l.isBlank() && !l.startsWith("WARNING: ")))
                .as("every line is a log record of chypervisord's own")
                .allSatisfy(l -> assertThat(l).matches(
                        "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z (DEBUG|INFO|WARN|ERROR) (chypervisord|io\\.lochness\\.chypervisord)\\.\\S*: .*"));
    }
}
