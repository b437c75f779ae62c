package io.lochness.chypervisord.bootstrap;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.helidon.common.tls.Tls;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Method;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.helidon.webserver.observe.ObserveFeature;
import io.helidon.webserver.observe.health.HealthObserver;
import io.helidon.webserver.observe.metrics.MetricsObserver;
import io.lochness.chypervisord.adapter.in.http.AccessGuard;
import io.lochness.chypervisord.adapter.in.http.AccessRules;
import io.lochness.chypervisord.adapter.in.http.HttpOptions;
import io.lochness.chypervisord.adapter.in.http.HypervisorHttpService;
import io.lochness.chypervisord.adapter.in.http.OpenApiService;
import io.lochness.chypervisord.adapter.in.http.RequestObserver;
import io.lochness.chypervisord.adapter.in.http.ServerLimits;
import io.lochness.chypervisord.adapter.out.kv.ChangeFeed;
import io.lochness.chypervisord.adapter.out.kv.RegistryView;
import io.lochness.chypervisord.adapter.out.kv.spi.KeyValueStore;
import io.lochness.chypervisord.domain.port.in.HypervisorService;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** One running service: the HTTP server over the domain over the chosen store. */
public final class Chypervisord implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Chypervisord.class.getName());

    /** How long in-flight requests may run on after a stop is asked for, as the original's. */
    static final Duration GRACE = Duration.ofSeconds(5);

    private final Settings settings;
    private final StoreChoice choice;
    private final KeyValueStore store;
    private final HypervisorService service;
    private final ObjectMapper mapper;
    private final MeterRegistry registry;
    private final Optional<RegistryView> view;
    private final Optional<ChangeFeed> feed;
    private WebServer server;
    private volatile ListenerWatchdog watchdog;
    private AccessGuard access;

    @Inject
    Chypervisord(Settings settings, StoreChoice choice, KeyValueStore store, HypervisorService service, ObjectMapper mapper,
            MeterRegistry registry, Optional<RegistryView> view, Optional<ChangeFeed> feed) {
        this.view = view;
        this.feed = feed;
        this.registry = registry;
        this.settings = settings;
        this.choice = choice;
        this.store = store;
        this.service = service;
        this.mapper = mapper;
    }

    /**
     * Starts listening; returns once the server accepts connections. Any failure to start (the
     * port in use, most often) is an exception with a one-line message, so that {@code main} prints
     * it and exits non-zero rather than living on with nothing listening.
     */
    public synchronized Chypervisord start() {
        Security security = settings.security();
        requirePortFree(security.address(), settings.port());
        AccessRules rules = security.loadRules().orElse(null);
        access = new AccessGuard(rules, security.allowedOrigins());
        Optional<Tls> tls = security.loadTls();
        WebServerConfig.Builder builder = WebServer.builder()
                .host(security.address() == null ? "0.0.0.0" : security.address())
                .port(settings.port())
                .shutdownHook(false)
                .shutdownGracePeriod(GRACE)
                .addFeature(ObserveFeature.builder()
                        .addObserver(HealthObserver.builder()
                                .useSystemServices(false)
                                .details(true)
                                .addCheck(new StoreHealthCheck(store, view))
                                .addCheck(() -> HealthCheckResponse.builder().status(listening()).build(),
                                        HealthCheckType.LIVENESS, "chypervisord")
                                .build())
                        .addObserver(MetricsObserver.create())
                        .build());
        tls.ifPresent(builder::tls);
        BuildInfo build = BuildInfo.current();
        ServiceMeters.register(registry, build);
        byte[] info = info(build);
        server = HypervisorHttpService.configure(builder, new HttpOptions(settings.limits(), access, store.name()),
                        service, mapper, routing -> routing
                        .addFilter(new RequestObserver(registry))
                        .register("/openapi", new OpenApiService())
                        .get("/observe/info", (req, res) -> sendInfo(req, res, info))
                        .head("/observe/info", (req, res) -> sendInfo(req, res, info)))
                .build()
                .start();
        if (!server.isRunning()) {
            throw new IllegalStateException("the HTTP listener on port " + settings.port() + " did not start (see the log above)");
        }
        watchdog = ListenerWatchdog.start(security.address(), server.port());
        ServerLimits limits = settings.limits();
        LOG.log(System.Logger.Level.INFO, "chypervisord listening on port " + server.port()
                + " with the " + store.name() + " store at " + choice.text() + "; "
                + (security.tls() ? "HTTPS" : "HTTP") + " on " + (security.address() == null ? "all interfaces" : security.address())
                + "; at most "
                + limits.maxConnections() + " connections and " + limits.maxConcurrentRequests() + " requests at once"
                + tls.map(t -> "; certificate " + security.describeCertificate(t)).orElse("")
                + (rules == null ? "" : "; " + rules.size() + " access rules"));
        if (rules == null) {
            LOG.log(System.Logger.Level.WARNING, "no --auth-file: anyone who can reach port " + server.port()
                    + " can read and change the registry (see the README, Security)");
        }
        return this;
    }

    private static void sendInfo(ServerRequest req, ServerResponse res, byte[] info) {
        res.header(HeaderValues.CONTENT_TYPE_JSON);
        if (req.prologue().method() == Method.HEAD) {
            res.header(HeaderNames.CONTENT_LENGTH, Integer.toString(info.length));
            res.send();
        } else {
            res.send(info);
        }
    }

    /** {@code /observe/info}: what runs here, and on which store. */
    private byte[] info(BuildInfo build) {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("name", "chypervisord");
        info.put("version", build.version());
        info.put("commit", build.commit());
        info.put("store", Map.of("kind", store.name(), "address", choice.text()));
        info.put("java", Runtime.version().toString());
        try {
            return mapper.writeValueAsBytes(info);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Re-reads the access file and the certificates (on SIGHUP) without dropping a connection. A
     * file that cannot be read keeps what was in force, and the log says why.
     */
    public synchronized void reload() {
        Security security = settings.security();
        // The certificates first, then the rules: once a changed rule is seen in force, so is a
        // changed certificate.
        try {
            security.loadTls().ifPresent(t -> {
                server.reloadTls(t);
                LOG.log(System.Logger.Level.INFO, "reloaded the TLS certificate: " + security.describeCertificate(t));
            });
        } catch (UsageException | IllegalArgumentException | UnsupportedOperationException e) {
            LOG.log(System.Logger.Level.WARNING, "keeping the TLS certificate in force: " + e.getMessage());
        }
        try {
            security.loadRules().ifPresent(r -> {
                access.rules(r);
                LOG.log(System.Logger.Level.INFO, "reloaded " + security.authFile() + ": " + r.size() + " access rules");
            });
        } catch (UsageException e) {
            LOG.log(System.Logger.Level.WARNING, "keeping the access rules in force: " + e.getMessage());
        }
    }


    /** Liveness: down once the listener has stopped by itself (the watchdog then ends the process). */
    private boolean listening() {
        ListenerWatchdog w = watchdog;
        return w == null || w.listening();
    }

    /**
     * Fails with one line when {@code port} is taken: Helidon would log a 29-line stack trace and
     * leave the process running. (A port taken between this check and the bind still fails the
     * start, with Helidon's own log.)
     */
    static void requirePortFree(String address, int port) {
        if (port == 0) {
            return;
        }
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(address == null ? new InetSocketAddress(port) : new InetSocketAddress(address, port));
        } catch (IOException e) {
            throw new IllegalStateException("cannot listen on " + (address == null ? "" : address + " ") + "port " + port
                    + ": " + e.getMessage()
                    + (e instanceof BindException ? " (another process has it)" : ""));
        }
    }

    /** The port actually bound (useful with port 0). */
    public int port() {
        return server.port();
    }

    public KeyValueStore store() {
        return store;
    }

    /**
     * Ends the change feed's streams (each consumer gets what it was sent and a clean end), stops
     * accepting, lets in-flight requests finish (up to the grace period), closes the store.
     */
    @Override
    public synchronized void close() {
        feed.ifPresent(ChangeFeed::close);
        try {
            ListenerWatchdog w = watchdog;
            if (w != null) {
                w.stopping();
            }
            if (server != null && server.isRunning()) {
                server.stop();
            }
        } finally {
            view.ifPresent(RegistryView::close);
            store.close();
        }
    }
}
