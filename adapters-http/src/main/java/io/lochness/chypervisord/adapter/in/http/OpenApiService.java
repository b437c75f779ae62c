package io.lochness.chypervisord.adapter.in.http;

import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** Serves the OpenAPI 3.1 document of the API at {@code /openapi}, as JSON (and HEAD). */
public final class OpenApiService implements HttpService {
    /** The class path resource holding the document. */
    public static final String RESOURCE = "/io/lochness/chypervisord/adapter/in/http/openapi.json";

    private final byte[] document;

    public OpenApiService() {
        try (InputStream in = OpenApiService.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("OpenAPI document missing from the class path: " + RESOURCE);
            }
            document = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::document).head("/", this::document);
    }

    private void document(ServerRequest req, ServerResponse res) {
        ErrorMapping.sendJson(req, res, Status.OK_200, document);
    }
}
