package io.lochness.chypervisord.bootstrap.ops;

import static io.lochness.chypervisord.bootstrap.ops.OpsHttp.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.lochness.chypervisord.adapter.in.http.ApiRoutes;
import io.lochness.chypervisord.adapter.in.http.ApiRoutes.Route;
import io.lochness.chypervisord.adapter.in.http.OpenApiService;
import io.lochness.chypervisord.bootstrap.Chypervisord;
import io.lochness.chypervisord.bootstrap.Main;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The OpenAPI document served at {@code /openapi} describes exactly the endpoints of {@link
 * ApiRoutes#ALL}, and {@link ApiRoutes#ALL} is exactly what the server routes: neither the table,
 * the document nor the routing can drift from the others unnoticed.
 */
class OpenApiDocumentTest {
    private static final Set<String> HTTP_METHODS = Set.of("get", "put", "post", "delete", "options", "head", "patch", "trace");
    private static final Pattern PARAM = Pattern.compile("\\{([^}]+)}");
    private static final String ERROR_REF = "#/components/schemas/Error";
    private static final Route LIST = new Route("GET", "/hypervisors");

    private static Chypervisord app;
    private static OpsHttp http;
    private static JsonNode doc;
    private static SchemaCheck schemas;

    @BeforeAll
    static void start() {
        Main.Launch launch = Main.launch(new String[] {"--kv", "mem://", "-p", "0"}, System.out, System.err);
        assertThat(launch.app()).as("launched (exit code %d)", launch.exitCode()).isNotNull();
        app = launch.app();
        http = new OpsHttp(app.port());
        HttpResponse<String> response = http.get("/openapi");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                ct -> assertThat(ct).startsWith("application/json"));
        doc = json(response);
        schemas = new SchemaCheck(doc);
    }

    @AfterAll
    static void stop() {
        if (http != null) {
            http.close();
        }
        if (app != null) {
            app.close();
        }
    }

    @Test
    void servesTheDocumentOnTheClassPath() throws Exception {
        try (InputStream in = OpenApiService.class.getResourceAsStream(OpenApiService.RESOURCE)) {
            assertThat(in).isNotNull();
            assertThat(OpsHttp.JSON.readTree(in)).isEqualTo(doc);
        }
    }

    @Test
    void isOpenApi31() {
        assertThat(doc.path("openapi").asText()).matches("3\\.1\\.\\d+");
        assertThat(doc.path("info").path("title").asText()).isEqualTo("chypervisord");
        assertThat(doc.path("info").path("version").asText()).isNotBlank();
    }

    @Test
    void pathsAreExactlyTheApiRoutes() {
        Set<Route> documented = new HashSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> p = doc.path("paths").properties().iterator(); p.hasNext(); ) {
            Map.Entry<String, JsonNode> path = p.next();
            for (Iterator<String> m = path.getValue().fieldNames(); m.hasNext(); ) {
                String method = m.next();
                if (HTTP_METHODS.contains(method)) {
                    documented.add(new Route(method.toUpperCase(Locale.ROOT), path.getKey()));
                }
            }
        }
        Set<Route> routed = new HashSet<>(ApiRoutes.ALL);
        Set<Route> undocumented = new HashSet<>(routed);
        undocumented.removeAll(documented);
        Set<Route> unrouted = new HashSet<>(documented);
        unrouted.removeAll(routed);
        assertThat(undocumented).as("routes of ApiRoutes.ALL the document lacks").isEmpty();
        assertThat(unrouted).as("operations of the document that ApiRoutes.ALL lacks").isEmpty();
        assertThat(ApiRoutes.ALL).as("ApiRoutes.ALL has no duplicates").doesNotHaveDuplicates();
    }

    @Test
    void everyOperationDocumentsItsErrorsWithTheErrorSchema() {
        forEachOperation((route, op) -> {
            JsonNode responses = op.path("responses");
            List<String> codes = new ArrayList<>();
            responses.fieldNames().forEachRemaining(codes::add);
            if (route.equals(LIST)) {
                // Reads no id and no body: its query parameters (400), the feed's resume point (410),
                // and the access answers (401, 403); malformed HTTP is Helidon's, see below.
                assertThat(codes).as("%s: the 4xx it can give", route).filteredOn(c -> c.startsWith("4"))
                        .containsExactlyInAnyOrder("400", "401", "403", "410");
            } else {
                assertThat(codes).as("%s: 4xx responses", route).anyMatch(c -> c.startsWith("4"));
            }
            assertThat(codes).as("%s: documents 503 (store unavailable) and 500", route).contains("503", "500");
            assertThat(codes).as("%s: one 2xx", route).filteredOn(c -> c.startsWith("2")).hasSize(1);
            for (String code : codes) {
                JsonNode response = schemas.resolve(responses.get(code));
                assertThat(response.path("description").asText()).as("%s %s description", route, code).isNotBlank();
                JsonNode schema = response.path("content").path("application/json").path("schema");
                assertThat(schema.isMissingNode()).as("%s %s: an application/json schema", route, code).isFalse();
                if (code.startsWith("4") || code.startsWith("5")) {
                    assertThat(schema.path("$ref").asText()).as("%s %s: the Error schema", route, code).isEqualTo(ERROR_REF);
                }
            }
        });
    }

    @Test
    void errorSchemaIsMessageAndCode() {
        JsonNode error = schemas.resolve(doc.at("/components/schemas/Error"));
        assertThat(error.path("required")).extracting(JsonNode::asText).containsExactlyInAnyOrder("message", "code");
        assertThat(error.at("/properties/message/type").asText()).isEqualTo("string");
        assertThat(error.at("/properties/code/type").asText()).isEqualTo("integer");
        assertThat(schemas.resolve(doc.at("/components/responses/MethodNotAllowed")).at(
                "/content/application~1json/schema/$ref").asText()).isEqualTo(ERROR_REF);
        assertThat(doc.at("/components/responses/MethodNotAllowed/headers/Allow").isMissingNode()).isFalse();
    }

    @Test
    void theStatusesTheApiCanGiveAreAllDocumented() {
        Set<String> all = new TreeSet<>();
        forEachOperation((route, op) -> op.path("responses").fieldNames().forEachRemaining(all::add));
        assertThat(all).containsAll(List.of("200", "201", "400", "404", "409", "412", "413", "500", "503"));
        // 405 is a property of a path, not of one of its operations: documented once, as a component.
        assertThat(doc.path("info").path("description").asText()).contains("405");
    }

    @Test
    void pathParametersAreRequiredUuids() {
        forEachOperation((route, op) -> {
            Matcher m = PARAM.matcher(route.template());
            Set<String> names = new TreeSet<>();
            while (m.find()) {
                names.add(m.group(1));
            }
            Map<String, JsonNode> declared = new LinkedHashMap<>();
            for (JsonNode p : parameters(route, op)) {
                if (p.path("in").asText().equals("path")) {
                    declared.put(p.path("name").asText(), p);
                }
            }
            assertThat(declared.keySet()).as("%s: path parameters", route).isEqualTo(names);
            declared.forEach((name, p) -> {
                assertThat(p.path("required").asBoolean()).as("%s {%s} required", route, name).isTrue();
                assertThat(schemas.resolve(p.path("schema")).path("format").asText()).as("%s {%s} format", route, name)
                        .isEqualTo("uuid");
            });
        });
    }

    @Test
    void writesTakeIfMatchAndAnswer412() {
        forEachOperation((route, op) -> {
            boolean conditional = route.method().equals("PATCH") || route.method().equals("DELETE");
            boolean ifMatch = parameters(route, op).stream()
                    .anyMatch(p -> p.path("in").asText().equals("header") && p.path("name").asText().equals("If-Match"));
            assertThat(ifMatch).as("%s: If-Match parameter", route).isEqualTo(conditional);
            assertThat(op.path("responses").has("412")).as("%s: 412", route).isEqualTo(conditional);
        });
    }

    @Test
    void bodiesAreDocumentedWithTheirLimits() {
        forEachOperation((route, op) -> {
            boolean hasBody = route.method().equals("POST") || route.method().equals("PATCH");
            assertThat(op.has("requestBody")).as("%s: requestBody", route).isEqualTo(hasBody);
            if (hasBody) {
                JsonNode body = schemas.resolve(op.get("requestBody"));
                assertThat(body.path("required").asBoolean()).isTrue();
                assertThat(body.at("/content/application~1json/schema").isMissingNode()).isFalse();
                assertThat(op.path("responses").has("400")).as("%s: 400", route).isTrue();
                assertThat(op.path("responses").has("413")).as("%s: 413", route).isTrue();
            }
        });
        JsonNode resources = doc.at("/components/schemas/Resources/properties");
        for (String field : List.of("memory", "disk", "cpu")) {
            assertThat(resources.path(field).path("type").asText()).isEqualTo("integer");
            assertThat(resources.path(field).path("format").asText()).isEqualTo(field.equals("cpu") ? "uint32" : "uint64");
            assertThat(resources.path(field).path("minimum").asLong()).isZero();
        }
        java.math.BigInteger uint64Max = new java.math.BigInteger("18446744073709551615");
        assertThat(resources.path("memory").path("maximum").bigIntegerValue()).isEqualTo(uint64Max);
        assertThat(resources.path("disk").path("maximum").bigIntegerValue()).isEqualTo(uint64Max);
        assertThat(resources.path("cpu").path("maximum").asLong()).isEqualTo(4294967295L);
        assertThat(doc.at("/components/schemas/ConfigKey/minLength").asInt()).isEqualTo(1);
        assertThat(doc.at("/components/schemas/ConfigKey/maxLength").asInt()).isEqualTo(256);
        assertThat(doc.at("/components/schemas/BridgeName/minLength").asInt()).isEqualTo(1);
        assertThat(doc.at("/components/schemas/BridgeName/maxLength").asInt()).isEqualTo(15);
        assertThat(schemas.resolve(doc.at("/components/schemas/Subnets/propertyNames")).path("format").asText())
                .isEqualTo("uuid");
        assertThat(schemas.resolve(doc.at("/components/schemas/Hypervisor/properties/id")).path("format").asText())
                .isEqualTo("uuid");
    }

    @Test
    void schemasAcceptWhatTheDomainAcceptsAndRefuseWhatItRefuses() {
        JsonNode bridge = doc.at("/components/schemas/BridgeName");
        for (String ok : List.of("br0", "eth0.100", "a", "123456789012345")) {
            assertThat(schemas.problems(bridge, text(ok))).as(ok).isEmpty();
        }
        for (String bad : List.of("", ".", "..", "br 0", "br:0", "br/0", "1234567890123456", "br\t0")) {
            assertThat(schemas.problems(bridge, text(bad))).as(bad).isNotEmpty();
        }
        JsonNode key = doc.at("/components/schemas/ConfigKey");
        assertThat(schemas.problems(key, text("x".repeat(256)))).isEmpty();
        for (String bad : List.of("", ".", "..", "a/b", "a\nb", "x".repeat(257))) {
            assertThat(schemas.problems(key, text(bad))).as(bad).isNotEmpty();
        }
        JsonNode mac = doc.at("/components/schemas/MacAddress");
        for (String ok : List.of("", "01:23:45:67:89:ab", "01-23-45-67-89-AB", "0123.4567.89ab", "01:23:45:67:89:ab:cd:ef")) {
            assertThat(schemas.problems(mac, text(ok))).as(ok).isEmpty();
        }
        for (String bad : List.of("01:23:45:67:89", "01:23-45:67:89:ab", "0123.4567", "zz:23:45:67:89:ab")) {
            assertThat(schemas.problems(mac, text(bad))).as(bad).isNotEmpty();
        }
    }

    @Test
    void everyReferenceResolves() {
        List<String> refs = new ArrayList<>();
        collectRefs(doc, refs);
        assertThat(refs).isNotEmpty();
        for (String ref : refs) {
            assertThat(doc.at(ref.substring(1)).isMissingNode()).as(ref).isFalse();
        }
    }

    /** The operational endpoints are left out of {@code paths}: the description says so, and they answer. */
    @Test
    void operationalEndpointsAreDescribedAndServed() {
        String description = doc.path("info").path("description").asText();
        for (String path : List.of("/observe/health", "/observe/health/live", "/observe/health/ready", "/observe/metrics",
                "/openapi")) {
            assertThat(description).as(path).contains(path);
            assertThat(doc.path("paths").has(path)).as("%s not in paths", path).isFalse();
            assertThat(http.get(path).statusCode()).as(path).isEqualTo(200);
        }
    }

    /**
     * Every route answers on the running server, with ids nobody has: the API's own 404 (its message
     * names the hypervisor), never the router's "Endpoint not found" or a 405.
     */
    @Test
    void everyRouteIsRoutedWithUnknownIds() {
        HttpResponse<String> unmatched = http.get("/no/such/endpoint");
        assertThat(unmatched.statusCode()).isEqualTo(404);
        String routerMessage = json(unmatched).path("message").asText();

        for (Route route : ApiRoutes.ALL) {
            String id = UUID.randomUUID().toString();
            String path = route.template().replace("{id}", id).replace("{subnetId}", UUID.randomUUID().toString());
            String body = route.method().equals("POST") || route.method().equals("PATCH") ? "{}" : null;
            HttpResponse<String> r = http.send(route.method(), path, body);
            assertThat(r.statusCode()).as("%s %s: %s", route.method(), path, r.body()).isNotIn(405, 501);
            JsonNode answer = json(r);
            if (r.statusCode() == 404) {
                assertThat(answer.path("code").asInt()).isEqualTo(404);
                assertThat(answer.path("message").asText()).as("%s: the API's 404", route)
                        .isNotEqualTo(routerMessage).contains(id).contains("not found");
            } else {
                assertThat(route.template()).as("only a list or create answers without an existing id")
                        .isEqualTo("/hypervisors");
                assertThat(r.statusCode()).isIn(200, 201);
            }
            assertDocumented(route, r);
        }
    }

    /** Any method a documented path does not list answers 405, its Allow naming exactly the documented ones. */
    @Test
    void otherMethodsOnDocumentedPathsAre405WithAllow() {
        for (Iterator<Map.Entry<String, JsonNode>> p = doc.path("paths").properties().iterator(); p.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = p.next();
            Set<String> documented = new TreeSet<>();
            entry.getValue().fieldNames().forEachRemaining(m -> {
                if (HTTP_METHODS.contains(m)) {
                    documented.add(m.toUpperCase(Locale.ROOT));
                }
            });
            String path = entry.getKey().replace("{id}", UUID.randomUUID().toString())
                    .replace("{subnetId}", UUID.randomUUID().toString());
            for (String method : List.of("PUT", "POST", "PATCH", "DELETE")) {
                if (documented.contains(method)) {
                    continue;
                }
                HttpResponse<String> r = http.send(method, path, "{}");
                assertThat(r.statusCode()).as("%s %s", method, entry.getKey()).isEqualTo(405);
                assertThat(json(r).path("code").asInt()).isEqualTo(405);
                assertThat(schemas.problems(doc.at("/components/schemas/Error"), json(r))).isEmpty();
                Set<String> allow = Arrays.stream(r.headers().firstValue("Allow").orElse("").split(","))
                        .map(String::trim).collect(Collectors.toCollection(TreeSet::new));
                // HEAD is served wherever GET is (RFC 9110), without a document entry of its own.
                Set<String> expected = new TreeSet<>(documented);
                if (documented.contains("GET")) {
                    expected.add("HEAD");
                }
                expected.add("OPTIONS"); // served on every path (204 with Allow)
                assertThat(allow).as("Allow of %s", entry.getKey()).isEqualTo(expected);
            }
        }
    }

    /**
     * Every route on a real hypervisor answers its documented success status with a body that fits
     * the documented schema and the documented headers; a route without a probe here fails the test.
     */
    @Test
    void everyRouteAnswersAsDocumented() {
        String id = UUID.randomUUID().toString();
        String subnet = UUID.randomUUID().toString();
        String hypervisor = "{\"id\":\"" + id + "\",\"metadata\":{\"rack\":\"r1\"},\"ip\":\"10.100.101.35\","
                + "\"netmask\":\"255.255.255.0\",\"gateway\":\"fe80::1\",\"mac\":\"01-23-45-67-89-AC\","
                + "\"total_resources\":{\"memory\":9223372036854775807,\"disk\":1024,\"cpu\":4294967295},"
                + "\"available_resources\":{\"memory\":1024,\"disk\":1024,\"cpu\":1}}";
        Map<Route, Function<String, HttpResponse<String>>> probes = new LinkedHashMap<>();
        probes.put(new Route("POST", "/hypervisors"), p -> http.send("POST", p, hypervisor));
        probes.put(new Route("GET", "/hypervisors"), p -> http.get(p));
        probes.put(new Route("GET", "/hypervisors/{id}"), p -> http.get(p));
        probes.put(new Route("PATCH", "/hypervisors/{id}"), p -> http.send("PATCH", p, "{\"metadata\":{\"foo\":\"bar\"}}"));
        probes.put(new Route("PATCH", "/hypervisors/{id}/config"), p -> http.send("PATCH", p, "{\"bar\":\"baz\",\"x\":\"\"}"));
        probes.put(new Route("GET", "/hypervisors/{id}/config"), p -> http.get(p));
        probes.put(new Route("PATCH", "/hypervisors/{id}/subnets"), p -> http.send("PATCH", p, "{\"" + subnet + "\":\"br0\"}"));
        probes.put(new Route("GET", "/hypervisors/{id}/subnets"), p -> http.get(p));
        probes.put(new Route("DELETE", "/hypervisors/{id}/subnets/{subnetId}"), p -> http.send("DELETE", p, null));
        probes.put(new Route("GET", "/hypervisors/{id}/guests"), p -> http.get(p));
        probes.put(new Route("DELETE", "/hypervisors/{id}"), p -> http.send("DELETE", p, null));
        assertThat(probes.keySet()).as("a probe for every route of ApiRoutes.ALL").containsExactlyInAnyOrderElementsOf(
                ApiRoutes.ALL);

        for (Map.Entry<Route, Function<String, HttpResponse<String>>> probe : probes.entrySet()) {
            Route route = probe.getKey();
            String path = route.template().replace("{id}", id).replace("{subnetId}", subnet);
            HttpResponse<String> r = probe.getValue().apply(path);
            assertThat(r.statusCode()).as("%s %s: %s", route.method(), path, r.body()).isBetween(200, 299);
            JsonNode response = assertDocumented(route, r);
            // Link is only on a page that is not the last (ListAndFeedContract checks it).
            response.path("headers").fieldNames().forEachRemaining(header -> {
                if (!header.equals("Link")) {
                    assertThat(r.headers().firstValue(header)).as("%s: header %s", route, header).isPresent();
                }
            });
        }
        assertThat(http.get("/hypervisors/" + id).statusCode()).isEqualTo(404);
    }

    /**
     * "Every error, of every status, is the Error body" holds for requests Helidon rejects before
     * routing (a header line without a colon, a bad Content-Length, no Host): they get 400 with
     * an empty body today.
     */
    @Test
    void malformedRequestsGetTheErrorBody() throws Exception {
        for (String request : List.of(
                "GET /hypervisors HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n",
                "GET /hypervisors HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n")) {
            try (java.net.Socket socket = new java.net.Socket("127.0.0.1", app.port())) {
                socket.setSoTimeout(10_000);
                socket.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
                String answer = new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                assertThat(answer).startsWith("HTTP/1.1 400 ");
                String body = answer.substring(answer.indexOf("\r\n\r\n") + 4);
                JsonNode error = OpsHttp.JSON.readTree(body);
                assertThat(error).as("body %s", body).isNotNull();
                assertThat(schemas.problems(doc.at("/components/schemas/Error"), error)).isEmpty();
                assertThat(error.path("code").asInt()).isEqualTo(400);
            }
        }
    }

    /** Asserts that the status is documented for the route and the body fits its schema; returns the response object. */
    private static JsonNode assertDocumented(Route route, HttpResponse<String> r) {
        JsonNode op = doc.path("paths").path(route.template()).path(route.method().toLowerCase(Locale.ROOT));
        String code = Integer.toString(r.statusCode());
        assertThat(op.path("responses").has(code)).as("%s answered %s, which is not documented", route, code).isTrue();
        JsonNode response = schemas.resolve(op.path("responses").get(code));
        JsonNode schema = response.at("/content/application~1json/schema");
        assertThat(schemas.problems(schema, json(r))).as("%s %s body %s", route, code, r.body()).isEmpty();
        return response;
    }

    private static List<JsonNode> parameters(Route route, JsonNode op) {
        List<JsonNode> out = new ArrayList<>();
        doc.path("paths").path(route.template()).path("parameters").forEach(p -> out.add(schemas.resolve(p)));
        op.path("parameters").forEach(p -> out.add(schemas.resolve(p)));
        return out;
    }

    private static void forEachOperation(java.util.function.BiConsumer<Route, JsonNode> action) {
        assertThat(doc.path("paths").size()).isPositive();
        for (Route route : ApiRoutes.ALL) {
            JsonNode op = doc.path("paths").path(route.template()).path(route.method().toLowerCase(Locale.ROOT));
            if (op.isMissingNode()) {
                fail("the document lacks " + route);
            }
            action.accept(route, op);
        }
    }

    private static void collectRefs(JsonNode node, List<String> into) {
        if (node.isObject()) {
            if (node.has("$ref")) {
                into.add(node.get("$ref").asText());
            }
            node.elements().forEachRemaining(n -> collectRefs(n, into));
        } else if (node.isArray()) {
            node.elements().forEachRemaining(n -> collectRefs(n, into));
        }
    }

    private static JsonNode text(String s) {
        return OpsHttp.JSON.getNodeFactory().textNode(s);
    }
}
