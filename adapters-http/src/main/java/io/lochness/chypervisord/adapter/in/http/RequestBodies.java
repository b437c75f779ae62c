package io.lochness.chypervisord.adapter.in.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import io.lochness.chypervisord.domain.model.BridgeName;
import io.lochness.chypervisord.domain.model.ConfigKey;
import io.lochness.chypervisord.domain.model.HypervisorId;
import io.lochness.chypervisord.domain.model.HypervisorPatch;
import io.lochness.chypervisord.domain.model.InvalidInputException;
import io.lochness.chypervisord.domain.model.IpAddress;
import io.lochness.chypervisord.domain.model.MacAddress;
import io.lochness.chypervisord.domain.model.Resources;
import io.lochness.chypervisord.domain.model.SubnetId;
import io.lochness.chypervisord.domain.model.Text;
import io.helidon.http.RequestException;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.http.Status;
import io.lochness.chypervisord.domain.model.Limits;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.math.BigInteger;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Turns request bodies into domain values. Bodies are JSON whatever their Content-Type says
 * (the seed's own {@code curl --data-binary} examples are sent as form data), so this reads the
 * bytes itself rather than leaving it to content negotiation. Every type error names the field.
 */
final class RequestBodies {
    /** The largest body the API reads: 1 MiB ({@link Limits#REQUEST_BODY_BYTES}). */
    static final int MAX_BODY_BYTES = Limits.REQUEST_BODY_BYTES;

    /** Go's {@code uint64}, the original's memory and disk: 18446744073709551615. */
    private static final BigInteger MAX_UINT64 = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

    private final ObjectMapper mapper;

    RequestBodies(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /**
     * Reads at most {@link #MAX_BODY_BYTES} bytes and parses them as one JSON object. A broken
     * chunked framing is a {@link MalformedRequestException}; bytes that are not valid UTF-8
     * (overlong forms and encoded surrogates included, which Jackson would let through) are 400.
     */
    JsonNode object(InputStream body) {
        byte[] bytes = read(body);
        if (bytes.length > MAX_BODY_BYTES) {
            throw new PayloadTooLargeException("the request body is over the limit of " + MAX_BODY_BYTES + " bytes");
        }
        if (isBlank(bytes)) {
            throw new InvalidInputException("request body is empty: send a JSON object");
        }
        requireUtf8(bytes);
        JsonNode node;
        try {
            node = mapper.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw new InvalidInputException("request body is not valid JSON: " + describe(e));
        } catch (IOException e) {
            throw new InvalidInputException("could not read the request body: " + e.getMessage());
        }
        if (node == null || !node.isObject()) {
            throw new InvalidInputException(
                    "request body must be a JSON object, got " + (node == null ? "nothing" : describe(node)));
        }
        return node;
    }

    /**
     * Up to one byte over the limit. Helidon 4.5 parses a chunk size with {@code
     * Integer.parseUnsignedInt} inside this read, so a size such as {@code zz}, {@code -1}, {@code
     * ffffffffff} or one with an extension ({@code 5;a=b}) surfaces here as a NumberFormatException:
     * every such failure is the client's framing, not a server fault.
     */
    private static byte[] read(InputStream body) {
        try {
            return body.readNBytes(MAX_BODY_BYTES + 1);
        } catch (CloseConnectionException e) {
            // The socket is gone (the client left, or ConnectionGuard closed it): no one to answer.
            throw e;
        } catch (RequestException e) {
            if (e.status() == Status.REQUEST_ENTITY_TOO_LARGE_413) {
                throw new PayloadTooLargeException("the request body is over the limit of " + MAX_BODY_BYTES + " bytes");
            }
            throw new MalformedRequestException("the request body's framing is invalid: " + e.getMessage());
        } catch (NumberFormatException e) {
            throw new MalformedRequestException(
                    "the request body's chunked framing is invalid: a chunk size must be hexadecimal digits only"
                            + " (no sign, no chunk extensions) and below 2^31");
        } catch (UncheckedIOException e) {
            if (e.getCause() instanceof java.net.SocketException) {
                throw new CloseConnectionException("the connection broke while reading the request body", e);
            }
            throw new MalformedRequestException("could not read the request body: " + e.getMessage());
        } catch (IOException e) {
            throw new MalformedRequestException("could not read the request body: " + e.getMessage());
        } catch (RuntimeException e) {
            throw new MalformedRequestException("the request body's framing is invalid: " + e.getMessage());
        }
    }

    /** Strict UTF-8: Jackson decodes overlong forms ({@code C0 AF} as '/'), the JDK's decoder refuses them. */
    static void requireUtf8(byte[] bytes) {
        for (byte b : bytes) {
            if (b < 0) {
                try {
                    StandardCharsets.UTF_8.newDecoder()
                            .onMalformedInput(CodingErrorAction.REPORT)
                            .onUnmappableCharacter(CodingErrorAction.REPORT)
                            .decode(ByteBuffer.wrap(bytes));
                } catch (CharacterCodingException e) {
                    throw new InvalidInputException("request body is not valid UTF-8 (" + e.getMessage() + ")");
                }
                return;
            }
        }
    }

    /**
     * What is wrong with a body, in the client's terms: Jackson's own messages name Java classes
     * and parser switches, so only the kind of error and its line and column are passed on.
     */
    static String describe(JsonProcessingException e) {
        String what;
        if (e instanceof com.fasterxml.jackson.databind.exc.MismatchedInputException) {
            what = "unexpected data after the JSON value";
        } else if (e instanceof com.fasterxml.jackson.core.io.JsonEOFException) {
            what = "the JSON ends early";
        } else {
            String original = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
            int cut = original.indexOf(" (");
            what = (cut > 0 ? original.substring(0, cut) : original).replace("`", "'");
            int colon = what.indexOf(':');
            if (what.contains("Feature") || what.contains("com.fasterxml")) {
                what = colon > 0 ? what.substring(0, colon) : "malformed JSON";
            }
        }
        var location = e.getLocation();
        return location == null ? what : what + " at line " + location.getLineNr() + ", column " + location.getColumnNr();
    }

    private static boolean isBlank(byte[] bytes) {
        for (byte b : bytes) {
            if (b != ' ' && b != '\t' && b != '\r' && b != '\n') {
                return false;
            }
        }
        return true;
    }

    /** The hypervisor fields a POST or PATCH body gives; unknown fields are ignored. */
    HypervisorPatch hypervisor(JsonNode body) {
        String id = string(body, "id");
        return new HypervisorPatch(
                id == null ? null : new HypervisorId(id),
                metadata(body.get("metadata")),
                address(body, "ip"),
                address(body, "netmask"),
                address(body, "gateway"),
                mac(body),
                resources(body, "total_resources"),
                resources(body, "available_resources"));
    }

    /** A config PATCH: key to value; an empty string (or null, as Go decoded it) deletes. */
    Map<ConfigKey, String> config(JsonNode body) {
        Map<ConfigKey, String> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = body.properties().iterator(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            ConfigKey key = new ConfigKey(e.getKey());
            JsonNode v = e.getValue();
            if (v.isNull()) {
                out.put(key, "");
            } else if (v.isTextual()) {
                out.put(key, text(v, "config value of " + Text.quote(e.getKey())));
            } else {
                throw new InvalidInputException(
                        "config value of " + Text.quote(e.getKey()) + " must be a string (\"\" deletes it), got "
                                + describe(v));
            }
        }
        Limits.checkConfigChanges(out);
        return out;
    }

    /** A subnets PATCH: subnet UUID to bridge name, all validated before anything is applied. */
    Map<SubnetId, BridgeName> subnets(JsonNode body) {
        Map<SubnetId, BridgeName> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = body.properties().iterator(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            SubnetId subnet = new SubnetId(e.getKey());
            JsonNode v = e.getValue();
            if (!v.isTextual()) {
                throw new InvalidInputException(
                        "bridge of subnet " + subnet + " must be a string, got " + describe(v));
            }
            out.put(subnet, new BridgeName(v.textValue()));
        }
        Limits.checkSubnetChanges(out);
        return out;
    }

    private static String string(JsonNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw new InvalidInputException(field + " must be a string, got " + describe(v));
        }
        return v.textValue();
    }

    private static IpAddress address(JsonNode body, String field) {
        String text = string(body, field);
        return text == null ? null : IpAddress.parse(field, text);
    }

    private static MacAddress mac(JsonNode body) {
        String text = string(body, "mac");
        return text == null ? null : new MacAddress(text);
    }

    private static Map<String, String> metadata(JsonNode v) {
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isObject()) {
            throw new InvalidInputException("metadata must be an object of strings, got " + describe(v));
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = v.properties().iterator(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) {
                throw new InvalidInputException(
                        "metadata value of " + Text.quote(e.getKey()) + " must be a string, got " + describe(e.getValue()));
            }
            out.put(text(new com.fasterxml.jackson.databind.node.TextNode(e.getKey()), "a metadata key"),
                    text(e.getValue(), "metadata value of " + Text.quote(e.getKey())));
        }
        return out;
    }

    private static Resources resources(JsonNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isObject()) {
            throw new InvalidInputException(field + " must be an object {memory, disk, cpu}, got " + describe(v));
        }
        return new Resources(
                whole(v, field, "memory", MAX_UINT64),
                whole(v, field, "disk", MAX_UINT64),
                whole(v, field, "cpu", BigInteger.valueOf(Resources.MAX_CPU)));
    }

    /**
     * A whole number from 0 to {@code max} exactly as sent (Jackson keeps integers beyond a long
     * as {@link BigInteger}; fractions and exponents are floating-point tokens and refused),
     * returned in a long's 64 bits: above 2^63-1 the long is negative and is read unsigned.
     */
    private static long whole(JsonNode resources, String field, String name, BigInteger max) {
        JsonNode v = resources.get(name);
        if (v == null || v.isNull()) {
            return 0;
        }
        String what = field + "." + name;
        if (!v.isIntegralNumber()) {
            throw new InvalidInputException(what + " must be a whole number from 0 to " + max + ", got " + describe(v));
        }
        BigInteger n = v.bigIntegerValue();
        if (n.signum() < 0 || n.compareTo(max) > 0) {
            throw new InvalidInputException(what + " must be a whole number from 0 to " + max + ", got " + n);
        }
        return n.longValue();
    }

    /** A JSON string that must be well-formed Unicode (a lone surrogate cannot be stored as UTF-8). */
    private static String text(JsonNode v, String what) {
        String s = v.textValue();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new InvalidInputException(what + " is not valid Unicode (a lone surrogate \\u"
                        + Integer.toHexString(c) + ")");
            }
        }
        return s;
    }

    private static String describe(JsonNode v) {
        JsonNodeType t = v.getNodeType();
        return switch (t) {
            case STRING -> "the string " + Text.quote(v.textValue());
            case NUMBER -> "the number " + v.asText();
            case BOOLEAN -> "the boolean " + v.asText();
            case NULL -> "null";
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            default -> t.name().toLowerCase(java.util.Locale.ROOT);
        };
    }
}
