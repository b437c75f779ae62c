package io.lochness.chypervisord.adapter.in.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.helidon.common.socket.SocketOptions;
import io.helidon.http.Status;
import io.lochness.chypervisord.domain.model.Limits;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Headers;
import io.helidon.http.HttpPrologue;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http1.Http1ConnectionListener;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The deadlines Helidon 4.5 has no setting for, kept per connection: a request's headers must
 * arrive within {@link ServerLimits#headerTimeout()}, a body must keep up {@link
 * ServerLimits#minBodyRate()} after {@link ServerLimits#bodyTimeout()}, and a connection with no
 * request in progress is closed after {@link ServerLimits#idleTimeout()}.
 *
 * <p>Why here and not in Helidon: its only timer is the idle one, and it does not reach a
 * connection whose headers or body are being trickled (the connection's thread is blocked in a
 * read; Helidon only interrupts one waiting for a request's first line), nor one that never sent
 * a byte (not yet among its active connections). The smallest robust way to end such a read is to
 * close the socket from outside: the blocked read then fails and Helidon releases the connection.
 * So this class takes each accepted socket as Helidon configures it ({@link #socketOptions}),
 * follows each connection through Helidon's HTTP/1 events (first line read, headers read: {@link
 * #receiveListener}), the request's routing ({@link #filter}) and the body the API reads ({@link
 * #body}), and a sweeper closes the sockets that are past their deadline. Connections are told
 * apart by their local and remote socket addresses, which both sides see.
 *
 * <p>The {@link #filter} also closes the connection once the answer is out when the request asked
 * for it ({@code Connection: close}), when the answer says so (a framing error), or when a body was
 * left unread (refused before reading it): Helidon 4.5 echoes {@code Connection: close} but keeps
 * reading the socket, and would drain an unread body at any speed.
 */
public final class ConnectionGuard {
    private static final System.Logger LOG = System.getLogger(ConnectionGuard.class.getName());
    /** How long a closing connection's late body bytes are read and dropped (see lingerAndClose). */
    static final Duration LINGER = Duration.ofSeconds(2);
    static final long LINGER_BYTES = 16L << 20;
    /** How often the sweeper looks at every connection. */
    static final Duration SWEEP = Duration.ofMillis(250);

    private static final Set<ConnectionGuard> GUARDS = Collections.synchronizedSet(
            Collections.newSetFromMap(new WeakHashMap<>()));
    private static final ScheduledExecutorService SWEEPER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "chypervisord-connection-guard");
        t.setDaemon(true);
        return t;
    });

    static {
        SWEEPER.scheduleWithFixedDelay(ConnectionGuard::sweepAll, SWEEP.toMillis(), SWEEP.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    private final ServerLimits limits;
    private final Map<Key, Tracked> connections = new ConcurrentHashMap<>();

    public ConnectionGuard(ServerLimits limits) {
        this.limits = limits;
        GUARDS.add(this);
    }

    /** What a connection is doing, for its deadline. */
    enum State { AWAITING_HEADERS, HANDLING, READING_BODY, IDLE, LINGERING }

    /** A connection as both its socket and Helidon's contexts name it. */
    record Key(SocketAddress local, SocketAddress remote) {}

    /** One connection: its socket, what it is doing and since when. */
    static final class Tracked {
        final SocketChannel channel;
        private State state = State.AWAITING_HEADERS;
        private long since;
        private long bodyBytes;
        private boolean bodyDone;

        Tracked(SocketChannel channel, long now) {
            this.channel = channel;
            this.since = now;
        }

        synchronized void firstLine(long now) {
            if (state == State.IDLE) {
                state = State.AWAITING_HEADERS;
                since = now;
            }
        }

        synchronized void headersRead() {
            state = State.HANDLING;
        }

        synchronized void routing(boolean hasBody, long now) {
            if (hasBody) {
                state = State.READING_BODY;
                since = now;
                bodyBytes = 0;
                bodyDone = false;
            } else {
                state = State.HANDLING;
            }
        }

        synchronized void bodyRead(long n, boolean end) {
            bodyBytes += n;
            if (end && state == State.READING_BODY) {
                bodyDone = true;
                state = State.HANDLING;
            }
        }

        synchronized void lingering(long now) {
            state = State.LINGERING;
            since = now;
        }

        synchronized boolean answered(long now) {
            if (state == State.LINGERING) {
                return true;
            }
            boolean unread = state == State.READING_BODY && !bodyDone;
            state = State.IDLE;
            since = now;
            return unread;
        }

        /** Why this connection is past its deadline, or null. */
        synchronized String overdue(ServerLimits limits, long now) {
            long elapsed = now - since;
            return switch (state) {
                case AWAITING_HEADERS -> elapsed > limits.headerTimeout().toNanos()
                        ? "no complete request headers within " + limits.headerTimeout().toMillis() + " ms" : null;
                case IDLE -> elapsed > limits.idleTimeout().toNanos()
                        ? "idle for " + limits.idleTimeout().toMillis() + " ms" : null;
                case READING_BODY -> {
                    long allowed = limits.bodyTimeout().toNanos() + (limits.minBodyRate() == 0 ? 0
                            : (long) (bodyBytes * 1e9 / limits.minBodyRate()));
                    yield elapsed > allowed ? "request body too slow: " + bodyBytes + " bytes in "
                            + elapsed / 1_000_000 + " ms (at least " + limits.minBodyRate() + " bytes/s after "
                            + limits.bodyTimeout().toMillis() + " ms)" : null;
                }
                case LINGERING -> elapsed > LINGER.toNanos() ? "closing, after reading late request bytes for "
                        + LINGER.toMillis() + " ms" : null;
                case HANDLING -> null;
            };
        }
    }

    /** {@code base} (the socket options Helidon applies to each accepted socket) that also registers it here. */
    public SocketOptions socketOptions(SocketOptions base) {
        return new TrackingOptions(base);
    }

    /** Helidon's HTTP/1 receive events: a request's first line, then its headers. */
    public Http1ConnectionListener receiveListener() {
        return new Http1ConnectionListener() {
            @Override
            public void prologue(ConnectionContext ctx, HttpPrologue prologue) {
                Tracked t = connections.get(new Key(ctx.localPeer().address(), ctx.remotePeer().address()));
                if (t != null) {
                    t.firstLine(System.nanoTime());
                }
            }

            @Override
            public void headers(ConnectionContext ctx, Headers headers) {
                Tracked t = connections.get(new Key(ctx.localPeer().address(), ctx.remotePeer().address()));
                if (t != null) {
                    t.headersRead();
                }
            }
        };
    }

    /** The filter to register first: starts the body clock, ends the request, closes the connection when due. */
    public Filter filter(ObjectMapper mapper) {
        return (chain, req, res) -> filter(chain, req, res, mapper);
    }

    private void filter(FilterChain chain, RoutingRequest req, RoutingResponse res, ObjectMapper mapper) {
        Tracked t = connections.get(new Key(req.localPeer().address(), req.remotePeer().address()));
        long declared = req.headers().contentLength().orElse(0);
        boolean hasBody = req.headers().contains(HeaderNames.TRANSFER_ENCODING) || declared > 0;
        if (t != null) {
            t.routing(hasBody, System.nanoTime());
            req.context().register(t);
        }
        if (declared > Limits.REQUEST_BODY_BYTES) {
            // At once, before any of the body is read (Helidon's own max-payload-size check would
            // close the connection with the body unread, and the client's kernel may then drop the
            // answer on the reset that follows: see lingerAndClose).
            res.header(HeaderValues.CONNECTION_CLOSE);
            ErrorMapping.sendError(req, res, mapper, Status.REQUEST_ENTITY_TOO_LARGE_413,
                    "the request body is over the limit of " + Limits.REQUEST_BODY_BYTES + " bytes (Content-Length: "
                            + declared + ")");
            lingerAndClose(t);
        }
        res.beforeSend(() -> {
            if (hasBody && !req.content().consumed()) {
                // A body left unread: answer, then close, rather than read it at whatever pace it comes.
                res.header(HeaderValues.CONNECTION_CLOSE);
            }
        });
        try {
            chain.proceed();
        } catch (RuntimeException | Error e) {
            // Answered by the error handlers after this: the connection still must not wait forever.
            if (t != null) {
                t.answered(System.nanoTime());
            }
            if (req.headers().containsToken(HeaderValues.CONNECTION_CLOSE) && !res.isSent()) {
                try {
                    res.header(HeaderValues.CONNECTION_CLOSE);
                } catch (IllegalStateException streaming) {
                    // part of the answer is out already: its headers cannot change
                }
            }
            throw e;
        }
        boolean unread = t != null ? t.answered(System.nanoTime()) : hasBody && !req.content().consumed();
        if (hasBody && (unread || !req.content().consumed())) {
            lingerAndClose(t);
        }
        if (req.headers().containsToken(HeaderValues.CONNECTION_CLOSE)
                || res.headers().containsToken(HeaderValues.CONNECTION_CLOSE)) {
            throw new CloseConnectionException("the answer is out and the connection is to be closed");
        }
    }

    /**
     * Closes a connection whose client may still be sending a body, the way web servers do
     * ("lingering close"): the answer is out, so the sending side is shut (the client reads the
     * answer, then the end), and what still arrives is read and dropped, for at most {@link
     * #LINGER} or {@link #LINGER_BYTES}, before the socket is closed. Closed at once, with unread
     * bytes, the kernel would send a reset, and the client's kernel may drop the answer it had not
     * yet handed to the client.
     */
    private void lingerAndClose(Tracked t) {
        if (t != null) {
            t.lingering(System.nanoTime());
            try {
                t.channel.shutdownOutput();
                ByteBuffer drop = ByteBuffer.allocate(8192);
                long total = 0;
                int n;
                while (total < LINGER_BYTES && (n = t.channel.read(drop)) >= 0) {
                    total += n;
                    drop.clear();
                }
            } catch (IOException | RuntimeException e) {
                // closed by the sweeper at the end of LINGER, or by the client: either way, done
            }
        }
        throw new CloseConnectionException("the answer is out; the rest of the request body is not read");
    }

    /**
     * The request's body as the API reads it, counted against the body deadline (a body read
     * through anything else is not counted, and stays under the deadline as a whole).
     */
    public static InputStream body(ServerRequest req) {
        InputStream in = req.content().inputStream();
        Optional<Tracked> t = req.context().get(Tracked.class);
        return t.isEmpty() ? in : new CountingStream(in, t.get());
    }

    private static final class CountingStream extends FilterInputStream {
        private final Tracked tracked;

        CountingStream(InputStream in, Tracked tracked) {
            super(in);
            this.tracked = tracked;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            tracked.bodyRead(b < 0 ? 0 : 1, b < 0);
            return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            int n = super.read(buf, off, len);
            tracked.bodyRead(Math.max(n, 0), n < 0);
            return n;
        }
    }

    /** Connections being followed (for tests and metrics). */
    public int tracked() {
        return connections.size();
    }

    private static void sweepAll() {
        ConnectionGuard[] guards;
        synchronized (GUARDS) {
            guards = GUARDS.toArray(new ConnectionGuard[0]);
        }
        for (ConnectionGuard g : guards) {
            try {
                g.sweep(System.nanoTime());
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "connection sweep failed: " + e);
            }
        }
    }

    void sweep(long now) {
        for (var it = connections.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            Tracked t = e.getValue();
            if (!t.channel.isOpen()) {
                it.remove();
                continue;
            }
            String why = t.overdue(limits, now);
            if (why != null) {
                it.remove();
                LOG.log(System.Logger.Level.DEBUG, () -> "closing the connection from " + e.getKey().remote() + ": " + why);
                try {
                    t.channel.close();
                } catch (IOException ex) {
                    LOG.log(System.Logger.Level.DEBUG, () -> "closing " + e.getKey().remote() + " failed: " + ex);
                }
            }
        }
    }

    /** Helidon's socket options, plus registering each socket they are applied to. */
    private final class TrackingOptions implements SocketOptions {
        private final SocketOptions base;

        TrackingOptions(SocketOptions base) {
            this.base = base;
        }

        @Override
        public void configureSocket(SocketChannel socket) {
            base.configureSocket(socket);
            try {
                connections.put(new Key(socket.getLocalAddress(), socket.getRemoteAddress()),
                        new Tracked(socket, System.nanoTime()));
            } catch (IOException e) {
                // The client is already gone: Helidon's first read will find out.
            }
        }

        @Override
        public void configureSocket(java.net.Socket socket) {
            base.configureSocket(socket);
        }

        @Override
        public Map<SocketOption<?>, Object> socketOptions() {
            return base.socketOptions();
        }

        @Override
        public Duration connectTimeout() {
            return base.connectTimeout();
        }

        @Override
        public Duration readTimeout() {
            return base.readTimeout();
        }

        @Override
        public Optional<Integer> socketReceiveBufferSize() {
            return base.socketReceiveBufferSize();
        }

        @Override
        public Optional<Integer> socketSendBufferSize() {
            return base.socketSendBufferSize();
        }

        @Override
        public boolean socketReuseAddress() {
            return base.socketReuseAddress();
        }

        @Override
        public boolean socketKeepAlive() {
            return base.socketKeepAlive();
        }

        @Override
        public boolean tcpNoDelay() {
            return base.tcpNoDelay();
        }
    }
}
