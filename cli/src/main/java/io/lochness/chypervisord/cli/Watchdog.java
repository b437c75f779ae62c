package io.lochness.chypervisord.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Closes an event stream that has sent nothing for a while (a connection dead without a reset, a
 * proxy that stopped forwarding), so that hv watch reconnects instead of waiting forever. Closing
 * the JDK HttpClient's body stream ends a read blocked on it.
 */
final class Watchdog implements AutoCloseable {
    private final InputStream body;
    private final long idleNanos;
    private final Thread thread;
    private volatile long lastActivity = System.nanoTime();
    private volatile boolean fired;
    private volatile boolean closed;

    Watchdog(InputStream body, int idleSeconds) {
        this.body = body;
        this.idleNanos = TimeUnit.SECONDS.toNanos(idleSeconds);
        this.thread = Thread.ofPlatform().daemon().name("hv-watchdog").start(this::watch);
    }

    /** The stream's lines; each line read (a comment too) counts as activity. */
    BufferedReader reader() {
        return new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8)) {
            @Override
            public String readLine() throws IOException {
                String line = super.readLine();
                lastActivity = System.nanoTime();
                return line;
            }
        };
    }

    /** Whether the stream was closed for being idle. */
    boolean fired() {
        return fired;
    }

    private void watch() {
        while (!closed) {
            long idle = System.nanoTime() - lastActivity;
            if (idle >= idleNanos) {
                fired = true;
                try {
                    body.close();
                } catch (IOException e) {
                    // closed either way
                }
                return;
            }
            try {
                Thread.sleep(Math.max(1, TimeUnit.NANOSECONDS.toMillis(Math.min(idleNanos - idle, TimeUnit.SECONDS.toNanos(1)))));
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
    }
}
