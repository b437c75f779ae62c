package io.lochness.chypervisord.adapter.in.http;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The API's endpoints as one table: what {@link HypervisorHttpService} serves, what the OpenAPI
 * document must describe, and the route templates metrics are labelled with (a raw path would
 * make one time series per hypervisor).
 */
public final class ApiRoutes {
    /** One endpoint: an HTTP method on a path template. */
    public record Route(String method, String template) {}

    public static final List<Route> ALL = List.of(
            new Route("GET", "/hypervisors"),
            new Route("POST", "/hypervisors"),
            new Route("GET", "/hypervisors/{id}"),
            new Route("PATCH", "/hypervisors/{id}"),
            new Route("DELETE", "/hypervisors/{id}"),
            new Route("GET", "/hypervisors/{id}/config"),
            new Route("PATCH", "/hypervisors/{id}/config"),
            new Route("GET", "/hypervisors/{id}/subnets"),
            new Route("PATCH", "/hypervisors/{id}/subnets"),
            new Route("DELETE", "/hypervisors/{id}/subnets/{subnetId}"),
            new Route("GET", "/hypervisors/{id}/guests"));

    private ApiRoutes() {}

    /**
     * The methods a path template answers, as an {@code Allow} header value: the API's from
     * {@link #ALL} (HEAD wherever GET is), GET and HEAD on the {@code /observe} and {@code
     * /openapi} paths (GET only on {@code /observe/metrics}), and OPTIONS everywhere; null for a
     * path nothing is served on.
     */
    public static String allow(String template) {
        Set<String> methods = new LinkedHashSet<>();
        for (Route r : ALL) {
            if (r.template().equals(template)) {
                methods.add(r.method());
                if (r.method().equals("GET")) {
                    methods.add("HEAD");
                }
            }
        }
        if (methods.isEmpty() && !template.equals("unmatched")) {
            methods.add("GET");
            if (!template.equals("/observe/metrics")) { // Helidon's metrics endpoint serves no HEAD
                methods.add("HEAD");
            }
        }
        if (methods.isEmpty()) {
            return null;
        }
        methods.add("OPTIONS");
        return String.join(", ", methods);
    }

    /**
     * The template a request path falls under: an API template, an {@code /observe} or {@code
     * /openapi} path as it is, or {@code unmatched}, so label values stay few.
     */
    public static String template(String path) {
        String p = path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        String[] s = p.split("/", -1);
        if (s.length >= 2 && s[1].equals("hypervisors")) {
            switch (s.length) {
                case 2:
                    return "/hypervisors";
                case 3:
                    return "/hypervisors/{id}";
                case 4:
                    if (s[3].equals("config") || s[3].equals("subnets") || s[3].equals("guests")) {
                        return "/hypervisors/{id}/" + s[3];
                    }
                    break;
                case 5:
                    if (s[3].equals("subnets")) {
                        return "/hypervisors/{id}/subnets/{subnetId}";
                    }
                    break;
                default:
                    break;
            }
            return "unmatched";
        }
        if (p.equals("/openapi") || p.equals("/observe/health") || p.equals("/observe/health/live")
                || p.equals("/observe/health/ready") || p.equals("/observe/metrics") || p.equals("/observe/info")) {
            return p;
        }
        return "unmatched";
    }
}
