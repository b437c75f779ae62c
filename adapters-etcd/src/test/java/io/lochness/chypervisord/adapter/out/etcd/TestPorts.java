package io.lochness.chypervisord.adapter.out.etcd;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Loopback ports for a process a test starts later (etcd, the service's jar): a port is chosen
 * now and bound by that process a little later, so it must not be taken meanwhile. A port from
 * {@code new ServerSocket(0)} is in the kernel's ephemeral range, which every outgoing connection
 * (the tests' HTTP and gRPC clients, etcd's own peers and gateway) also draws its local port from:
 * one of them can take it before the process binds it, or while a killed etcd is down before its
 * restart on the same port. So ports are picked at random below that range, checked free, and
 * never handed out twice by this JVM (as bench/run.sh does).
 */
public final class TestPorts {
    private static final Set<Integer> HANDED_OUT = new HashSet<>();

    private TestPorts() {}

    /** A free loopback TCP port below the ephemeral range, not handed out before by this JVM. */
    public static synchronized int free() {
        int low = ephemeralLow();
        for (int attempt = 0; attempt < 500; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(10_000, low);
            if (HANDED_OUT.contains(port)) {
                continue;
            }
            try (ServerSocket socket = new ServerSocket()) {
                socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
            } catch (IOException taken) {
                continue;
            }
            HANDED_OUT.add(port);
            return port;
        }
        throw new IllegalStateException("no free loopback port found between 10000 and " + low);
    }

    /** The first port of the kernel's ephemeral range (32768 when it cannot be read or is too low). */
    private static int ephemeralLow() {
        try {
            String range = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim();
            int low = Integer.parseInt(range.split("\\s+")[0]);
            return low > 12_000 ? low : 32_768;
        } catch (IOException | RuntimeException e) {
            return 32_768;
        }
    }

    /** Whether a process's log says it could not bind its port (another process took it first). */
    static boolean portTaken(String log) {
        return log != null && log.contains("address already in use");
    }
}
