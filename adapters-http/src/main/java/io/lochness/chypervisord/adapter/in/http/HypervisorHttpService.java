package io.lochness.chypervisord.adapter.in.http;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.lochness.chypervisord.domain.model.Hypervisor;
import io.lochness.chypervisord.domain.model.HypervisorId;
import io.lochness.chypervisord.domain.model.HypervisorPage;
import io.lochness.chypervisord.domain.model.Precondition;
import io.lochness.chypervisord.domain.model.SubnetId;
import io.lochness.chypervisord.domain.model.Versioned;
import io.lochness.chypervisord.domain.port.in.HypervisorService;
import io.helidon.common.concurrency.limits.FixedLimit;
import io.helidon.common.socket.SocketOptions;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http1.Http1Config;
import io.lochness.chypervisord.domain.model.Limits;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The {@code /hypervisors} resource: the seed README's twelve endpoints over the in-port.
 *
 * <p>Bodies are read and written with the one {@link ObjectMapper} directly rather than through
 * Helidon's media support, because the API answers JSON whatever the request's Content-Type and
 * Accept say (the seed's curl examples send form data).
 */
public final class HypervisorHttpService implements HttpService {
    static final String ROOT = "/hypervisors";
    private static final System.Logger LOG = System.getLogger(HypervisorHttpService.class.getName());

    private final HypervisorService service;
    private final ObjectMapper mapper;
    private final RequestBodies bodies;
    private final ObjectWriter listItemWriter;
    private final ChangeFeedStream feed;

    public HypervisorHttpService(HypervisorService service, ObjectMapper mapper) {
        this.service = service;
        this.mapper = mapper;
        this.bodies = new RequestBodies(mapper);
        this.feed = new ChangeFeedStream(service, mapper);
        // Not flushed after each record: the generator's buffer decides when bytes go out.
        this.listItemWriter =
                mapper.writerFor(HypervisorJson.class).without(SerializationFeature.FLUSH_AFTER_WRITE_VALUE);
    }

    /**
     * Registers the API and its error mapping on {@code routing}; {@code main} and the tests call
     * this same method.
     */
    public static HttpRouting.Builder routing(
            HttpRouting.Builder routing, HypervisorService service, ObjectMapper mapper) {
        return routing(routing, service, mapper, "key-value");
    }

    private static HttpRouting.Builder routing(
            HttpRouting.Builder routing, HypervisorService service, ObjectMapper mapper, String storeKind) {
        ErrorMapping.register(routing, mapper, storeKind);
        return routing.addFilter(HypervisorHttpService::options)
                .register(ROOT, new HypervisorHttpService(service, mapper));
    }

    /**
     * Configures a server for the API with the default {@link HttpOptions}; see {@link
     * #configure(WebServerConfig.Builder, HttpOptions, HypervisorService, ObjectMapper, Consumer)}.
     */
    public static WebServerConfig.Builder configure(WebServerConfig.Builder server, HypervisorService service,
            ObjectMapper mapper, Consumer<HttpRouting.Builder> more) {
        return configure(server, HttpOptions.defaults(), service, mapper, more);
    }

    /**
     * Configures a server for the API: the connection and request limits and deadlines ({@link
     * ServerLimits}, {@link ConnectionGuard}), TCP_NODELAY (answers written in more than one piece
     * would otherwise wait for the client's delayed ACK), the largest body ({@link
     * Limits#REQUEST_BODY_BYTES}, refused with 413 from its declared length before any of it is
     * read, by {@link ConnectionGuard}), the JSON error bodies for requests refused before routing, the canonical-path check
     * ({@link RequestTarget}), whatever {@code more} adds (filters, other services), who may do
     * what ({@link AccessGuard}, after {@code more} so that the request log and metrics see
     * refusals too), and the routing ({@link #routing(HttpRouting.Builder, HypervisorService,
     * ObjectMapper)}).
     */
    public static WebServerConfig.Builder configure(WebServerConfig.Builder server, HttpOptions options,
            HypervisorService service, ObjectMapper mapper, Consumer<HttpRouting.Builder> more) {
        ServerLimits limits = options.limits();
        ConnectionGuard guard = new ConnectionGuard(limits);
        return server.directHandlers(ErrorMapping.directHandlers(mapper))
                .maxTcpConnections(limits.maxConnections())
                .concurrencyLimit(FixedLimit.builder()
                        .permits(limits.maxConcurrentRequests())
                        .queueLength(limits.maxConnections())
                        .queueTimeout(limits.queueTimeout())
                        .build())
                .idleConnectionTimeout(limits.idleTimeout())
                .idleConnectionPeriod(ConnectionGuard.SWEEP.multipliedBy(4))
                .connectionOptions(guard.socketOptions(SocketOptions.builder().tcpNoDelay(true).build()))
                // Only this HTTP/1 configuration: with a discovered one beside it, Helidon would sniff
                // each connection's first bytes to choose, and close one whose first line is too long
                // without an answer.
                .protocolsDiscoverServices(false)
                .addProtocol(Http1Config.builder()
                        .addReceiveListener(guard.receiveListener())
                        .build())
                .routing(routing -> {
                    routing.addFilter(guard.filter(mapper));
                    routing.addFilter(new RequestTarget(mapper));
                    more.accept(routing);
                    routing.addFilter(options.access().filter(mapper));
                    routing(routing, service, mapper, options.storeKind());
                });
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::list)
                .head("/", this::list)
                .post("/", this::create)
                .any("/", notAllowed("GET, HEAD, POST"))
                .get("/{id}", this::get)
                .head("/{id}", this::get)
                .patch("/{id}", this::update)
                .delete("/{id}", this::delete)
                .any("/{id}", notAllowed("GET, HEAD, PATCH, DELETE"))
                .get("/{id}/config", this::config)
                .head("/{id}/config", this::config)
                .patch("/{id}/config", this::updateConfig)
                .any("/{id}/config", notAllowed("GET, HEAD, PATCH"))
                .get("/{id}/subnets", this::subnets)
                .head("/{id}/subnets", this::subnets)
                .patch("/{id}/subnets", this::addSubnets)
                .any("/{id}/subnets", notAllowed("GET, HEAD, PATCH"))
                .delete("/{id}/subnets/{subnetId}", this::removeSubnet)
                .any("/{id}/subnets/{subnetId}", notAllowed("DELETE"))
                .get("/{id}/guests", this::guests)
                .head("/{id}/guests", this::guests)
                .any("/{id}/guests", notAllowed("GET, HEAD"));
    }

    /**
     * The list, or with {@code watch=true} the change feed ({@link ChangeFeedStream}). Without
     * query parameters the whole registry as before; with them the {@link ListRequest}'s filters
     * and page, and a {@code Link} to the next page when the page is full.
     *
     * <p>The list is streamed: each record is written to the response as it is turned into JSON,
     * so a list of 10,000 hypervisors never also sits in memory as one multi-megabyte byte array
     * (or as 10,000 JSON views of the records). The store read and decoding finish first, so a
     * store failure still answers 503 before any byte is sent. HEAD sends the length of the body
     * GET would send, and so builds it.
     */
    private void list(ServerRequest req, ServerResponse res) {
        List<Hypervisor> all;
        if (req.query().isEmpty()) {
            all = service.list();
        } else {
            ListRequest request = ListRequest.parse(req.query());
            if (request.watch()) {
                feed.serve(req, res, request);
                return;
            }
            HypervisorPage page = service.list(request.query());
            if (page.more()) {
                res.header(HeaderNames.LINK, request.nextLink(ROOT, page.last()));
            }
            all = page.items();
        }
        if (req.prologue().method() == Method.HEAD) {
            send(req, res, Status.OK_200, all.stream().map(HypervisorJson::from).toList());
            return;
        }
        res.status(Status.OK_200);
        res.header(HeaderValues.CONTENT_TYPE_JSON);
        try (OutputStream out = res.outputStream();
                JsonGenerator json = mapper.getFactory().createGenerator(out)) {
            json.writeStartArray();
            for (Hypervisor h : all) {
                listItemWriter.writeValue(json, HypervisorJson.from(h));
            }
            json.writeEndArray();
        } catch (IOException | UncheckedIOException e) {
            // The status and part of the body are out: nothing can be told to the client any
            // more, and a client that hangs up mid-list is no server fault worth a stack trace.
            LOG.log(System.Logger.Level.DEBUG, () -> "GET " + ROOT + ": the client went away after part of the list: " + e);
        }
    }

    private void create(ServerRequest req, ServerResponse res) {
        Versioned<Hypervisor> created = service.create(bodies.hypervisor(bodies.object(ConnectionGuard.body(req))));
        res.header(HeaderNames.LOCATION, ROOT + "/" + created.value().id());
        sendRecord(req, res, Status.CREATED_201, created);
    }

    private void get(ServerRequest req, ServerResponse res) {
        sendRecord(req, res, Status.OK_200, service.get(id(req)));
    }

    private void update(ServerRequest req, ServerResponse res) {
        HypervisorId id = id(req);
        Precondition precondition = precondition(req);
        var patch = bodies.hypervisor(bodies.object(ConnectionGuard.body(req)));
        sendRecord(req, res, Status.OK_200, service.update(id, patch, precondition));
    }

    private void delete(ServerRequest req, ServerResponse res) {
        HypervisorId id = id(req);
        send(req, res, Status.OK_200, HypervisorJson.from(service.delete(id, precondition(req))));
    }

    private void config(ServerRequest req, ServerResponse res) {
        send(req, res, Status.OK_200, service.config(id(req)));
    }

    private void updateConfig(ServerRequest req, ServerResponse res) {
        HypervisorId id = id(req);
        Precondition precondition = precondition(req);
        var changes = bodies.config(bodies.object(ConnectionGuard.body(req)));
        send(req, res, Status.OK_200, service.updateConfig(id, changes, precondition));
    }

    private void subnets(ServerRequest req, ServerResponse res) {
        send(req, res, Status.OK_200, service.subnets(id(req)));
    }

    private void addSubnets(ServerRequest req, ServerResponse res) {
        HypervisorId id = id(req);
        Precondition precondition = precondition(req);
        var subnets = bodies.subnets(bodies.object(ConnectionGuard.body(req)));
        send(req, res, Status.OK_200, service.addSubnets(id, subnets, precondition));
    }

    private void removeSubnet(ServerRequest req, ServerResponse res) {
        HypervisorId id = id(req);
        SubnetId subnet = new SubnetId(req.path().pathParameters().get("subnetId"));
        send(req, res, Status.OK_200, service.removeSubnet(id, subnet, precondition(req)));
    }

    private void guests(ServerRequest req, ServerResponse res) {
        send(req, res, Status.OK_200, service.guests(id(req)));
    }

    private static HypervisorId id(ServerRequest req) {
        return new HypervisorId(req.path().pathParameters().get("id"));
    }

    /**
     * The {@code If-Match} header as a precondition: {@code *}, or a list of strong ETags. A weak
     * or malformed tag matches nothing (RFC 9110 compares If-Match strongly), so it fails with 412.
     */
    static Precondition precondition(ServerRequest req) {
        var header = req.headers().values(HeaderNames.IF_MATCH);
        if (header.isEmpty()) {
            return Precondition.NONE;
        }
        Set<Long> revisions = new HashSet<>();
        for (String value : header) {
            for (String tag : value.split(",")) {
                String t = tag.trim();
                if (t.equals("*")) {
                    return Precondition.ANY;
                }
                Long revision = ETags.parse(t);
                if (revision != null) {
                    revisions.add(revision);
                }
            }
        }
        return Precondition.oneOf(revisions);
    }

    private void sendRecord(ServerRequest req, ServerResponse res, Status status, Versioned<Hypervisor> record) {
        res.header(HeaderNames.ETAG, ETags.format(record.revision()));
        send(req, res, status, HypervisorJson.from(record.value()));
    }

    private void send(ServerRequest req, ServerResponse res, Status status, Object body) {
        byte[] bytes;
        try {
            bytes = mapper.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
        ErrorMapping.sendJson(req, res, status, bytes);
    }

    /**
     * {@code OPTIONS} on any served path: 204 with the path's {@code Allow} ({@link
     * ApiRoutes#allow}); an unknown path goes on to its 404.
     */
    static void options(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        String allow = req.prologue().method() == Method.OPTIONS
                ? ApiRoutes.allow(ApiRoutes.template(req.path().absolute().path()))
                : null;
        if (allow == null) {
            chain.proceed();
            return;
        }
        res.status(Status.NO_CONTENT_204);
        res.header(HeaderNames.ALLOW, allow);
        res.send();
    }

    private static io.helidon.webserver.http.Handler notAllowed(String allowed) {
        String allow = allowed + ", OPTIONS";
        return (req, res) -> {
            res.header(HeaderNames.ALLOW, allow);
            throw new MethodNotAllowedException(
                    "method " + req.prologue().method().text() + " is not allowed on " + req.path().absolute().path()
                            + "; allowed: " + allow);
        };
    }
}
