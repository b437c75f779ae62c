package io.lochness.chypervisord.adapter.out.etcd;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import java.io.IOException;
import java.util.List;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * Runs etcd in a Testcontainers container, the fallback when no {@code etcd} binary is
 * installed. The client port is bound to a fixed host port so that a killed and restarted
 * container keeps its address.
 */
final class EtcdContainer implements EtcdServer.Backend {

    /** The etcd image used when there is no local binary. */
    static final String IMAGE = "quay.io/coreos/etcd:v3.5.17";

    private static final int CLIENT_PORT = 2379;

    private final GenericContainer<?> container;
    private final int hostPort;
    private boolean started;

    EtcdContainer() throws IOException {
        this(List.of());
    }

    /** An etcd container started with {@code extraFlags} after the usual ones. */
    EtcdContainer(List<String> extraFlags) throws IOException {
        this.hostPort = TestPorts.free();
        String host = DockerClientFactory.instance().dockerHostIpAddress();
        ExposedPort client = ExposedPort.tcp(CLIENT_PORT);
        this.container =
                new GenericContainer<>(DockerImageName.parse(IMAGE))
                        .withExposedPorts(CLIENT_PORT)
                        .withCreateContainerCmdModifier(
                                cmd ->
                                        cmd.getHostConfig()
                                                .withPortBindings(
                                                        new PortBinding(Ports.Binding.bindPort(hostPort), client)))
                        .withCommand(java.util.stream.Stream.concat(java.util.stream.Stream.of(
                                "etcd",
                                "--name", "test",
                                "--data-dir", "/etcd-data",
                                "--listen-client-urls", "http://0.0.0.0:" + CLIENT_PORT,
                                "--advertise-client-urls", "http://" + host + ":" + hostPort,
                                "--listen-peer-urls", "http://127.0.0.1:2380",
                                "--initial-advertise-peer-urls", "http://127.0.0.1:2380",
                                "--initial-cluster", "test=http://127.0.0.1:2380",
                                "--initial-cluster-state", "new"), extraFlags.stream())
                                .toArray(String[]::new));
    }

    /** Whether a Docker engine can be used (false too when Testcontainers is not on the classpath). */
    static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    @Override
    public String host() {
        return container.getHost();
    }

    @Override
    public int port() {
        return hostPort;
    }

    @Override
    public synchronized void launch() {
        if (!started) {
            container.start();
            started = true;
        } else {
            docker().startContainerCmd(container.getContainerId()).exec();
        }
    }

    @Override
    public synchronized void kill() {
        if (isRunning()) {
            docker().killContainerCmd(container.getContainerId()).withSignal("SIGKILL").exec();
            for (int i = 0; i < 100 && isRunning(); i++) {
                EtcdServer.sleep(100);
            }
        }
    }

    @Override
    public synchronized boolean isRunning() {
        if (!started) {
            return false;
        }
        Boolean running =
                docker().inspectContainerCmd(container.getContainerId()).exec().getState().getRunning();
        return Boolean.TRUE.equals(running);
    }

    @Override
    public String logTail() {
        String logs = container.getLogs();
        return logs.length() > 8000 ? logs.substring(logs.length() - 8000) : logs;
    }

    @Override
    public void destroy() {
        container.stop();
    }

    @Override
    public String toString() {
        return "etcd container " + IMAGE;
    }

    private static DockerClient docker() {
        return DockerClientFactory.instance().client();
    }
}
