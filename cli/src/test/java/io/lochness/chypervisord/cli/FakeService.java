package io.lochness.chypervisord.cli;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.SSLContext;

/**
 * A small scripted HTTP server (the JDK's com.sun.net.httpserver) for what the real service does
 * not do yet or cannot be made to do: a recorded change feed, pages with Link headers, a proxy's
 * error page, TLS. It answers each request with the next scripted answer and records the requests.
 */
final class FakeService implements AutoCloseable {
    /** A request as received: method, path with query, headers. */
    record Request(String method, String target, Headers headers) {
        String header(String name) {
            return headers.getFirst(name);
        }
    }

    /** One scripted answer. */
    interface Answer {
        void write(HttpExchange exchange) throws IOException;
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread thread = new Thread(r, "fake-service");
        thread.setDaemon(true);
        return thread;
    });
    private final ConcurrentLinkedDeque<Answer> script = new ConcurrentLinkedDeque<>();
    private final List<Request> requests = Collections.synchronizedList(new ArrayList<>());

    private FakeService(HttpServer server) {
        this.server = server;
        server.setExecutor(executor);
        server.createContext("/", exchange -> {
            requests.add(new Request(exchange.getRequestMethod(), exchange.getRequestURI().toString(),
                    exchange.getRequestHeaders()));
            Answer answer = script.pollFirst();
            try {
                if (answer == null) {
                    json(500, "{\"message\":\"no answer scripted for this request\",\"code\":500}").write(exchange);
                } else {
                    answer.write(exchange);
                }
            } finally {
                exchange.close();
            }
        });
        server.start();
    }

    static FakeService http() {
        try {
            return new FakeService(HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static FakeService https(SSLContext context) {
        try {
            HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.setHttpsConfigurator(new HttpsConfigurator(context));
            return new FakeService(server);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Adds the next answer. */
    FakeService then(Answer answer) {
        script.addLast(answer);
        return this;
    }

    String url() {
        String scheme = server instanceof HttpsServer ? "https" : "http";
        return scheme + "://127.0.0.1:" + server.getAddress().getPort();
    }

    List<Request> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    /** A JSON answer, with extra headers as name, value pairs. */
    static Answer json(int status, String body, String... headers) {
        return exchange -> {
            for (int i = 0; i < headers.length; i += 2) {
                exchange.getResponseHeaders().add(headers[i], headers[i + 1]);
            }
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            send(exchange, status, body);
        };
    }

    /** A non-JSON answer (a proxy's page). */
    static Answer text(int status, String contentType, String body) {
        return exchange -> {
            exchange.getResponseHeaders().set("Content-Type", contentType);
            send(exchange, status, body);
        };
    }

    /** A server-sent event stream: {@code stream} written as is, then the end of the stream. */
    static Answer events(String stream) {
        return exchange -> {
            exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(stream.getBytes(StandardCharsets.UTF_8));
            }
        };
    }

    /**
     * A stream that writes {@code stream}, then stalls: sends nothing more and does not end (until
     * the server stops), like a connection that died without a reset.
     */
    static Answer stalledEvents(String stream) {
        return exchange -> {
            exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
            exchange.sendResponseHeaders(200, 0);
            OutputStream out = exchange.getResponseBody();
            out.write(stream.getBytes(StandardCharsets.UTF_8));
            out.flush();
            try {
                Thread.sleep(120_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
    }

    private static void send(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
