package io.lochness.chypervisord.bootstrap;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;

/**
 * Ends the process when the HTTP listener stops on its own. Helidon 4.5 ends its accept loop on
 * any failure to accept (at the open-file limit: "Too many open files ... this server socket is
 * terminating now"), closes the server socket, and leaves the process running with nothing
 * listening, where a supervisor (systemd's {@code Restart=on-failure}) would never restart it.
 * Helidon tells no one: {@code WebServer.isRunning()} stays true, and the accept thread does not
 * even end (it waits on itself in its own stop). So this asks the port itself, every {@link
 * #PERIOD}: a refused connection (twice in a row) means nobody listens any more, and the process
 * exits with status 1; until then liveness reports DOWN. A connection that times out (the accept
 * queue full under a flood) or cannot be made (no file descriptor left) proves nothing either
 * way. The probe's connection is closed at once; the server reads an empty connection and drops it.
 */
final class ListenerWatchdog {
    private static final System.Logger LOG = System.getLogger(ListenerWatchdog.class.getName());
    static final Duration PERIOD = Duration.ofSeconds(1);
    private static final int REFUSALS_TO_EXIT = 2;

    private final InetSocketAddress address;
    private volatile boolean stopping;
    private volatile boolean refused;

    private ListenerWatchdog(InetSocketAddress address) {
        this.address = address;
    }

    /** Starts watching the listener on {@code address} (null: every interface, asked on loopback) and {@code port}. */
    static ListenerWatchdog start(String address, int port) {
        InetSocketAddress target;
        try {
            InetAddress a = address == null ? InetAddress.getLoopbackAddress() : InetAddress.getByName(address);
            target = new InetSocketAddress(a.isAnyLocalAddress() ? InetAddress.getLoopbackAddress() : a, port);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException("cannot resolve --address " + address + ": " + e.getMessage());
        }
        ListenerWatchdog watchdog = new ListenerWatchdog(target);
        Thread.ofPlatform().daemon(true).name("chypervisord-listener-watchdog").start(watchdog::watch);
        return watchdog;
    }

    /** Whether the listener still accepts connections (or is being stopped on purpose). */
    boolean listening() {
        return stopping || !refused;
    }

    /** A stop was asked for: the listener's end is expected. */
    void stopping() {
        stopping = true;
    }

    private void watch() {
        int refusals = 0;
        while (!stopping) {
            try {
                Thread.sleep(PERIOD);
            } catch (InterruptedException e) {
                return;
            }
            refusals = refusedNow() ? refusals + 1 : 0;
            refused = refusals > 0;
            if (refusals >= REFUSALS_TO_EXIT && !stopping) {
                LOG.log(System.Logger.Level.ERROR, "the HTTP listener on port " + address.getPort()
                        + " stopped accepting connections (see the log above); exiting with status 1 so that"
                        + " a supervisor restarts the service");
                System.exit(1);
            }
        }
    }

    /** Whether a connection to the listener is refused right now. */
    private boolean refusedNow() {
        try (Socket probe = new Socket()) {
            probe.connect(address, (int) PERIOD.toMillis());
            return false;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (ConnectException e) {
            return !stopping;
        } catch (IOException e) {
            return false;
        }
    }
}
