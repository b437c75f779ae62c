package io.lochness.chypervisord.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.UncheckedIOException;

/** hv's one ObjectMapper, and JSON written as one line with the service's field order kept. */
final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private Json() {}

    /** {@code node} as compact JSON on one line. */
    static String line(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code {"id": id, key: value}}: the {@code -j} line of the guests, config and subnets commands. */
    static String keyed(String id, String key, JsonNode value) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("id", id);
        node.set(key, value);
        return line(node);
    }
}
