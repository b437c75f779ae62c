package io.lochness.chypervisord.adapter.out.kv;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lochness.chypervisord.domain.model.Hypervisor;
import io.lochness.chypervisord.domain.model.HypervisorId;
import io.lochness.chypervisord.domain.model.InvalidInputException;
import io.lochness.chypervisord.domain.model.IpAddress;
import io.lochness.chypervisord.domain.model.MacAddress;
import io.lochness.chypervisord.domain.model.Resources;
import io.lochness.chypervisord.domain.model.StoredDataInvalidException;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The JSON of a hypervisor record as stored at its {@code metadata} key: the API's JSON, field
 * for field, byte for byte what Go's {@code encoding/json} writes for the original's {@code
 * lochness.Hypervisor} (field order, metadata sorted by key, {@code <>&} and U+2028/2029 escaped as
 * {@code \u003c}, resources as unsigned whole numbers), so the other lochness daemons read and
 * write the same bytes. Reading is lenient where Go is (unknown fields, {@code null} metadata) and
 * strict where the model is (addresses, resources). On Jackson's streaming API: no reflection,
 * one pass each way.
 */
final class RecordCodec {
    private static final BigInteger UINT64_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build()
            .setCharacterEscapes(new GoEscapes());
    private static final ObjectMapper MAPPER = new ObjectMapper(FACTORY);

    private RecordCodec() {}

    /** Go's escaping: control characters, {@code <}, {@code >}, {@code &}, U+2028 and U+2029 as lower-case {@code \\uXXXX}. */
    private static final class GoEscapes extends CharacterEscapes {
        private final int[] table = standardAsciiEscapesForJSON();

        GoEscapes() {
            for (int c = 0; c < 0x20; c++) {
                if (c != '\n' && c != '\r' && c != '\t') {
                    table[c] = ESCAPE_CUSTOM;
                }
            }
            table['<'] = ESCAPE_CUSTOM;
            table['>'] = ESCAPE_CUSTOM;
            table['&'] = ESCAPE_CUSTOM;
        }

        @Override
        public int[] getEscapeCodesForAscii() {
            return table;
        }

        /** Asked for each ASCII character marked custom above and for every non-ASCII one. */
        @Override
        public SerializableString getEscapeSequence(int ch) {
            if ((ch < 0x80 && table[ch] == ESCAPE_CUSTOM) || ch == 0x2028 || ch == 0x2029) {
                return new SerializedString(String.format("\\u%04x", ch));
            }
            return null;
        }
    }

    static String encode(Hypervisor h) {
        StringWriter out = new StringWriter(256);
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("id", h.id().value());
            g.writeObjectFieldStart("metadata");
            for (Map.Entry<String, String> e : h.metadata().entrySet()) {
                g.writeStringField(e.getKey(), e.getValue());
            }
            g.writeEndObject();
            g.writeStringField("ip", h.ip().value());
            g.writeStringField("netmask", h.netmask().value());
            g.writeStringField("gateway", h.gateway().value());
            g.writeStringField("mac", h.mac().value());
            resources(g, "total_resources", h.totalResources());
            resources(g, "available_resources", h.availableResources());
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringWriter does not fail
        }
        return out.toString();
    }

    private static void resources(JsonGenerator g, String name, Resources r) throws IOException {
        g.writeObjectFieldStart(name);
        g.writeFieldName("memory");
        g.writeNumber(Long.toUnsignedString(r.memory()));
        g.writeFieldName("disk");
        g.writeNumber(Long.toUnsignedString(r.disk()));
        g.writeFieldName("cpu");
        g.writeNumber(Long.toUnsignedString(r.cpu()));
        g.writeEndObject();
    }

    /**
     * Reads the record stored at {@code key}. The record belongs to the hypervisor named by the
     * key; an {@code id} field that disagrees is refused rather than trusted.
     */
    static Hypervisor decode(String key, HypervisorId id, String json) {
        try {
            JsonNode fields;
            try (JsonParser p = FACTORY.createParser(json)) {
                fields = MAPPER.readTree(p);
                if (p.nextToken() != null) {
                    throw new IllegalArgumentException("text follows the JSON object");
                }
            }
            if (fields == null || !fields.isObject()) {
                throw new IllegalArgumentException("not a JSON object");
            }
            JsonNode storedId = fields.get("id");
            if (storedId != null && !storedId.isNull()
                    && !(storedId.isTextual() && storedId.textValue().equalsIgnoreCase(id.value()))) {
                throw new IllegalArgumentException("its id " + storedId + " is not the key's");
            }
            return new Hypervisor(
                    id,
                    metadata(fields.get("metadata")),
                    new IpAddress(text(fields, "ip")),
                    new IpAddress(text(fields, "netmask")),
                    new IpAddress(text(fields, "gateway")),
                    new MacAddress(text(fields, "mac")),
                    resources(fields.get("total_resources")),
                    resources(fields.get("available_resources")));
        } catch (IOException | IllegalArgumentException | InvalidInputException e) {
            String why = e instanceof IOException io ? "not valid JSON (" + firstLine(io.getMessage()) + ")" : e.getMessage();
            throw new StoredDataInvalidException("the record stored at " + key + " cannot be read: " + why);
        }
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unreadable";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }

    private static String text(JsonNode fields, String name) {
        JsonNode v = fields.get(name);
        if (v == null || v.isNull()) {
            return "";
        }
        if (!v.isTextual()) {
            throw new IllegalArgumentException(name + " is not a string");
        }
        return v.textValue();
    }

    private static Map<String, String> metadata(JsonNode v) {
        if (v == null || v.isNull()) {
            return Map.of();
        }
        if (!v.isObject()) {
            throw new IllegalArgumentException("metadata is not an object");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) {
                throw new IllegalArgumentException("metadata value of " + e.getKey() + " is not a string");
            }
            out.put(e.getKey(), e.getValue().textValue());
        }
        return out;
    }

    private static Resources resources(JsonNode v) {
        if (v == null || v.isNull()) {
            return Resources.ZERO;
        }
        if (!v.isObject()) {
            throw new IllegalArgumentException("resources are not an object");
        }
        return new Resources(uint64(v.get("memory")), uint64(v.get("disk")), uint64(v.get("cpu")));
    }

    /** A whole number from 0 to 2^64-1, held in a long's 64 bits (read it unsigned). */
    private static long uint64(JsonNode v) {
        if (v == null || v.isNull()) {
            return 0;
        }
        if (!v.isIntegralNumber()) {
            throw new IllegalArgumentException("a resource is not a whole number: " + v);
        }
        BigInteger n = v.bigIntegerValue();
        if (n.signum() < 0 || n.compareTo(UINT64_MAX) > 0) {
            throw new IllegalArgumentException("a resource is not a whole number from 0 to 2^64-1: " + n);
        }
        return n.longValue();
    }
}
