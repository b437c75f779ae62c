package io.lochness.chypervisord.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StoreChoiceTest {
    private final List<String> probed = new ArrayList<>();

    private StoreChoice.Probe answering(Backend backend) {
        return address -> {
            probed.add(address);
            return backend;
        };
    }

    @Test
    @DisplayName("mem:// is the in-memory store and probes nothing")
    void memory() {
        assertThat(StoreChoice.of("mem://", answering(null)).backend()).isEqualTo(Backend.MEMORY);
        assertThat(probed).isEmpty();
    }

    @Test
    @DisplayName("etcd:// with several endpoints is etcd, without probing")
    void etcd() {
        assertThat(StoreChoice.of("etcd://10.0.0.1:2379,10.0.0.2:2379", answering(null)).backend())
                .isEqualTo(Backend.ETCD);
        assertThat(probed).isEmpty();
    }

    @Test
    @DisplayName("consul:// is Consul, without probing")
    void consul() {
        assertThat(StoreChoice.of("consul://127.0.0.1:8500", answering(null)).backend()).isEqualTo(Backend.CONSUL);
        assertThat(probed).isEmpty();
    }

    @Test
    @DisplayName("http:// asks the address: Consul when it answers as Consul")
    void httpProbesConsul() {
        assertThat(StoreChoice.of("http://127.0.0.1:8500", answering(Backend.CONSUL)).backend())
                .isEqualTo(Backend.CONSUL);
        assertThat(probed).containsExactly("http://127.0.0.1:8500");
    }

    @Test
    @DisplayName("http:// where nothing answers yet means etcd, so the service can start before its store")
    void httpFallsBackToEtcd() {
        assertThat(StoreChoice.of("http://localhost:4001", answering(null)).backend()).isEqualTo(Backend.ETCD);
    }

    @Test
    @DisplayName("etcd://host means port 2379, consul://host port 8500, and a bare consul:// is the agent of CONSUL_HTTP_ADDR")
    void defaultPorts() {
        assertThat(StoreChoice.of("etcd://host", answering(null)).address().toString()).isEqualTo("etcd://host:2379");
        assertThat(StoreChoice.of("consul://host", answering(null)).address().toString()).isEqualTo("consul://host:8500");
        StoreChoice bare = StoreChoice.of("consul://", answering(null));
        assertThat(bare.backend()).isEqualTo(Backend.CONSUL);
        assertThat(bare.address()).isNull();
        assertThat(probed).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"redis://x:1", "localhost:4001", "etcd://host:99999", "http://host",
        "etcd://user:pw@host:2379", "http://h:1/path", "etcd://a:1,"})
    @DisplayName("an unknown scheme or an address without host:port is a usage error")
    void badAddresses(String kv) {
        assertThatThrownBy(() -> StoreChoice.of(kv, answering(null))).isInstanceOf(UsageException.class);
    }

    @Test
    @DisplayName("the real probe tells a live etcd-like /version answer from nothing at all")
    void realProbeFindsNothingOnAClosedPort() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        assertThat(new HttpProbe().identify("http://127.0.0.1:" + port)).isNull();
    }
}
