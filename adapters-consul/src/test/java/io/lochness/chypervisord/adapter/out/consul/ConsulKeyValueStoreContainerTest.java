package io.lochness.chypervisord.adapter.out.consul;

import io.lochness.chypervisord.adapter.out.kv.spi.KeyValueStore;
import io.lochness.chypervisord.adapter.out.kv.spi.KeyValueStoreContract;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.utility.DockerImageName;

/**
 * The SPI contract against a real Consul ({@code hashicorp/consul}, dev agent) in a container;
 * skipped, not passed, where no Docker engine is available (as on the project's own machines).
 */
@Testcontainers(disabledWithoutDocker = true)
@ExtendWith(ConsulCannotReplay.class)
class ConsulKeyValueStoreContainerTest extends KeyValueStoreContract {

    private static final int HTTP_PORT = 8500;

    @Container
    private static final GenericContainer<?> CONSUL =
            new GenericContainer<>(DockerImageName.parse("hashicorp/consul:1.20"))
                    .withCommand("agent", "-dev", "-client", "0.0.0.0")
                    .withExposedPorts(HTTP_PORT)
                    .waitingFor(
                            Wait.forHttp("/v1/status/leader")
                                    .forStatusCode(200)
                                    .forResponsePredicate(body -> body.strip().length() > 2)
                                    .withStartupTimeout(Duration.ofSeconds(60)));

    @Override
    protected KeyValueStore createStore() {
        URI endpoint =
                URI.create("http://" + CONSUL.getHost() + ":" + CONSUL.getMappedPort(HTTP_PORT));
        return new ConsulKeyValueStore(new ConsulSettings(endpoint, null, null));
    }

    @Override
    protected void compact(long revision) {
        Assumptions.abort("Consul has no compaction: it cannot read at a past index at all");
    }
}
