package io.lochness.chypervisord.adapter.in.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper.Builder;

/** The API's one Jackson configuration: strict reading (no duplicate keys, no trailing data). */
public final class JsonMapper {
    private JsonMapper() {}

    public static ObjectMapper create() {
        Builder builder = com.fasterxml.jackson.databind.json.JsonMapper.builder()
                .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        return builder.build();
    }
}
