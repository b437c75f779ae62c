package io.lochness.chypervisord.bootstrap;

import com.fasterxml.jackson.databind.ObjectMapper;
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
import io.lochness.chypervisord.adapter.in.http.HypervisorHttpService;
import io.lochness.chypervisord.adapter.in.http.OpenApiService;
import io.lochness.chypervisord.adapter.in.http.RequestObserver;
import io.lochness.chypervisord.adapter.out.kv.ChangeFeed;
import io.lochness.chypervisord.adapter.out.kv.RegistryView;
import io.lochness.chypervisord.adapter.out.kv.spi.KeyValueStore;
import io.lochness.chypervisord.domain.port.in.HypervisorService;
import jakarta.inject.Inject;
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

    /** Starts listening; returns once the server accepts connections. */
    public synchronized Chypervisord start() {
        WebServerConfig.Builder builder = WebServer.builder()
                .port(settings.port())
                .shutdownHook(false)
                .shutdownGracePeriod(GRACE)
                .addFeature(ObserveFeature.builder()
                        .addObserver(HealthObserver.builder()
                                .useSystemServices(false)
                                .details(true)
                                .addCheck(new StoreHealthCheck(store, view))
                                .addCheck(() -> HealthCheckResponse.builder().status(true).build(),
                                        HealthCheckType.LIVENESS, "chypervisord")
                                .build())
                        .addObserver(MetricsObserver.create())
                        .build());
        BuildInfo build = BuildInfo.current();
        ServiceMeters.register(registry, build);
        byte[] info = info(build);
        server = HypervisorHttpService.configure(builder, service, mapper, routing -> routing
                        .addFilter(new RequestObserver(registry))
                        .register("/openapi", new OpenApiService())
                        .get("/observe/info", (req, res) -> sendInfo(req, res, info))
                        .head("/observe/info", (req, res) -> sendInfo(req, res, info)))
                .build()
                .start();
        LOG.log(System.Logger.Level.INFO, "chypervisord listening on port " + server.port()
                + " with the " + store.name() + " store at " + choice.text());
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
            if (server != null && server.isRunning()) {
                server.stop();
            }
        } finally {
            view.ifPresent(RegistryView::close);
            store.close();
        }
    }
}
