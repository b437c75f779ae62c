package io.lochness.chypervisord.adapter.in.http;

import io.lochness.chypervisord.domain.model.Limits;
import java.lang.management.ManagementFactory;
import java.time.Duration;

/**
 * How much the HTTP server takes on, and for how long it waits on a client.
 *
 * @param maxConnections open connections; more wait in the kernel's accept queue, those already
 *     open keep being served
 * @param maxConcurrentRequests requests being handled at once; more wait up to {@code queueTimeout}
 *     for a turn, then get 503
 * @param queueTimeout how long a request waits for a turn when {@code maxConcurrentRequests} are
 *     being handled
 * @param idleTimeout how long a connection may stay open with no request in progress
 * @param headerTimeout how long a client may take to send a request's headers: from the moment the
 *     connection opens, and on a kept-alive connection from the first line of the next request
 * @param bodyTimeout how long a request body may take before {@code minBodyRate} applies
 * @param minBodyRate bytes per second a request body must keep up, on average, after {@code
 *     bodyTimeout}; 0 turns the rate off (then a body has {@code bodyTimeout} in all)
 */
public record ServerLimits(
        int maxConnections,
        int maxConcurrentRequests,
        Duration queueTimeout,
        Duration idleTimeout,
        Duration headerTimeout,
        Duration bodyTimeout,
        long minBodyRate) {
    public static final Duration DEFAULT_QUEUE_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);
    public static final Duration DEFAULT_HEADER_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_BODY_TIMEOUT = Duration.ofSeconds(10);
    /** 16 KiB/s: a 1 MiB body (the largest) may take 10 s + 64 s. */
    public static final long DEFAULT_MIN_BODY_RATE = 16 * 1024;

    /**
     * Heap one open, idle connection costs (measured: about 25 KB of buffers, the connection's
     * objects and its virtual thread's stack), rounded up.
     */
    static final long HEAP_PER_CONNECTION = 32 * 1024;
    /**
     * Heap one request in flight may cost at worst: a 1 MiB body as bytes, as a JSON tree, as domain
     * values and as the store write (each about the size of the body).
     */
    static final long HEAP_PER_REQUEST = 4L * Limits.REQUEST_BODY_BYTES;
    /** File descriptors kept for everything but client connections: jars, the store's sockets, epoll. */
    static final long RESERVED_FILE_DESCRIPTORS = 128;

    public ServerLimits {
        if (maxConnections < 1) {
            throw new IllegalArgumentException("maxConnections must be at least 1: " + maxConnections);
        }
        if (maxConcurrentRequests < 1) {
            throw new IllegalArgumentException("maxConcurrentRequests must be at least 1: " + maxConcurrentRequests);
        }
        for (Duration d : new Duration[] {queueTimeout, idleTimeout, headerTimeout, bodyTimeout}) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("timeouts must be positive: " + d);
            }
        }
        if (minBodyRate < 0) {
            throw new IllegalArgumentException("minBodyRate must not be negative: " + minBodyRate);
        }
    }

    /** The defaults, sized from this JVM's maximum heap and the process's file-descriptor limit. */
    public static ServerLimits defaults() {
        return new ServerLimits(defaultMaxConnections(Runtime.getRuntime().maxMemory(), fileDescriptorLimit()),
                defaultMaxConcurrentRequests(Runtime.getRuntime().maxMemory()),
                DEFAULT_QUEUE_TIMEOUT, DEFAULT_IDLE_TIMEOUT, DEFAULT_HEADER_TIMEOUT, DEFAULT_BODY_TIMEOUT,
                DEFAULT_MIN_BODY_RATE);
    }

    /**
     * A quarter of the heap for idle connections, and no more than the file descriptors leave
     * (with 96 MB of heap: 768).
     */
    public static int defaultMaxConnections(long maxHeap, long fileDescriptors) {
        long byHeap = maxHeap / 4 / HEAP_PER_CONNECTION;
        long byFiles = fileDescriptors <= 0 ? Long.MAX_VALUE : fileDescriptors - RESERVED_FILE_DESCRIPTORS;
        return (int) Math.max(16, Math.min(Math.min(byHeap, byFiles), 100_000));
    }

    /** Half the heap for requests in flight at their worst (with 96 MB of heap: 12), at least 8. */
    public static int defaultMaxConcurrentRequests(long maxHeap) {
        return (int) Math.max(8, Math.min(maxHeap / 2 / HEAP_PER_REQUEST, 10_000));
    }

    /** The process's limit on open files, or -1 when the JVM cannot tell. */
    public static long fileDescriptorLimit() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
            return unix.getMaxFileDescriptorCount();
        }
        return -1;
    }
}
