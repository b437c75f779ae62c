package io.lochness.chypervisord.adapter.in.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.helidon.http.Status;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * One canonical path per resource: the request target as the client sent it is checked before
 * routing, because Helidon normalises it (decodes {@code %2F}, drops {@code ;} parameters, folds
 * {@code //}, resolves {@code ..}) and would serve one resource under many spellings. Behind a
 * proxy that filters by path that is a bypass, so each of these is refused with 400: a
 * percent-encoded {@code /}, {@code ;} parameters, empty segments, {@code .} and {@code ..}
 * segments (also percent-encoded), control characters, bytes outside ASCII that are not
 * percent-encoded, and escapes that are not valid UTF-8 (overlong forms included), in the path and
 * in the query.
 */
final class RequestTarget implements Filter {
    private final ObjectMapper mapper;

    RequestTarget(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /** Answers 400 itself (rather than throwing) so that the filters before it see the answer go out. */
    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        String problem = problem(req.prologue().uriPath().rawPath(),
                req.prologue().query() == null ? "" : req.prologue().query().rawValue());
        if (problem != null) {
            ErrorMapping.sendError(req, res, mapper, Status.BAD_REQUEST_400, problem);
            return;
        }
        chain.proceed();
    }

    /** What is wrong with a raw path and query, or null when they are canonical. */
    static String problem(String rawPath, String rawQuery) {
        if (rawPath.isEmpty() || rawPath.charAt(0) != '/') {
            return "the path must start with /";
        }
        if (rawPath.indexOf(';') >= 0) {
            return "the path must not contain ';' parameters";
        }
        if (!rawPath.equals("/")) {
            String[] segments = rawPath.substring(1).split("/", -1);
            for (String raw : segments) {
                if (raw.isEmpty()) {
                    return "the path must not contain empty segments ('//' or a trailing '/')";
                }
                String decoded;
                try {
                    decoded = decode(raw);
                } catch (IllegalArgumentException e) {
                    return "the path " + e.getMessage();
                }
                if (decoded.indexOf('/') >= 0) {
                    return "the path must not contain an encoded '/' (%2F)";
                }
                if (decoded.equals(".") || decoded.equals("..")) {
                    return "the path must not contain '.' or '..' segments";
                }
            }
        }
        if (rawQuery != null && !rawQuery.isEmpty()) {
            try {
                decode(rawQuery);
            } catch (IllegalArgumentException e) {
                return "the query " + e.getMessage();
            }
        }
        return null;
    }

    /**
     * Percent-decodes {@code raw} strictly: ASCII only (other bytes must be escaped), each escape
     * two hex digits, the bytes valid UTF-8 (no overlong forms, no encoded surrogates), and no
     * control characters.
     */
    static String decode(String raw) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%') {
                if (i + 2 >= raw.length() || Character.digit(raw.charAt(i + 1), 16) < 0
                        || Character.digit(raw.charAt(i + 2), 16) < 0) {
                    throw new IllegalArgumentException("has a '%' not followed by two hex digits");
                }
                bytes.write(Character.digit(raw.charAt(i + 1), 16) * 16 + Character.digit(raw.charAt(i + 2), 16));
                i += 2;
            } else if (c <= 0x20 || c >= 0x7f) {
                throw new IllegalArgumentException("must be ASCII without spaces or control characters; percent-encode other bytes");
            } else {
                bytes.write(c);
            }
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes.toByteArray()))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("is not valid UTF-8 once percent-decoded");
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                throw new IllegalArgumentException("must not contain control characters");
            }
        }
        return text;
    }
}
