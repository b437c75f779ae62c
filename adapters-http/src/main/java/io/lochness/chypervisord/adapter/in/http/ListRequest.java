package io.lochness.chypervisord.adapter.in.http;

import io.helidon.common.uri.UriQuery;
import io.lochness.chypervisord.domain.model.HypervisorId;
import io.lochness.chypervisord.domain.model.HypervisorQuery;
import io.lochness.chypervisord.domain.model.InvalidInputException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * The query parameters of {@code GET /hypervisors}: the filters and page of a {@link
 * HypervisorQuery}, or the change feed ({@code watch=true}, {@code since=REV}) with filters.
 *
 * @param parameters the query's filter and page parameters, in the order given
 */
record ListRequest(List<Map.Entry<String, String>> parameters, HypervisorQuery query, boolean watch, OptionalLong since) {

    /** Parses the request's query; an unknown, repeated or bad parameter fails naming it (400). */
    static ListRequest parse(UriQuery uri) {
        List<Map.Entry<String, String>> params = new ArrayList<>();
        boolean watch = false;
        OptionalLong since = OptionalLong.empty();
        for (String name : uri.names()) {
            List<String> values = uri.all(name);
            if ((name.equals("watch") || name.equals("since")) && values.size() > 1) {
                throw new InvalidInputException("query parameter " + name + ": given more than once");
            }
            for (String value : values) {
                switch (name) {
                    case "watch" -> watch = switch (value) {
                        case "true" -> true;
                        case "false" -> false;
                        default -> throw new InvalidInputException("query parameter watch: must be true or false");
                    };
                    case "since" -> since = OptionalLong.of(revision("query parameter since", value));
                    default -> params.add(Map.entry(name, value));
                }
            }
        }
        HypervisorQuery query = HypervisorQuery.parse(params);
        if (watch && query.paged()) {
            throw new InvalidInputException("query parameter " + (query.limit() > 0 ? "limit" : "after")
                    + ": pages are for lists, not for the change feed (watch=true)");
        }
        if (!watch && since.isPresent()) {
            throw new InvalidInputException("query parameter since: only with watch=true");
        }
        if (watch && params.stream().anyMatch(p -> p.getKey().equals("after"))) {
            throw new InvalidInputException("query parameter after: pages are for lists, not for the change feed");
        }
        return new ListRequest(params, query, watch, since);
    }

    /** A revision as a client sends it back ({@code since}, {@code Last-Event-ID}): a decimal number. */
    static long revision(String what, String text) {
        if (text.isEmpty() || text.length() > 19 || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new InvalidInputException(what + ": must be a revision (a whole number), got '"
                    + (text.length() > 40 ? text.substring(0, 40) + "..." : text) + "'");
        }
        return Long.parseLong(text);
    }

    /**
     * The RFC 8288 {@code Link} to the page after {@code last}: the same filters and limit, in the
     * order given, with {@code after=last}.
     */
    String nextLink(String path, HypervisorId last) {
        StringBuilder uri = new StringBuilder(path).append('?');
        for (Map.Entry<String, String> p : parameters) {
            if (!p.getKey().equals("after")) {
                uri.append(encode(p.getKey())).append('=').append(encode(p.getValue())).append('&');
            }
        }
        uri.append("after=").append(last.value());
        return "<" + uri + ">; rel=\"next\"";
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
