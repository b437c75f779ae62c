package io.lochness.chypervisord.adapter.in.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The canonical-path rule on raw request targets (the HTTP behaviour is tested against the jar, HostileClientIT). */
class RequestTargetTest {
    private static final String ID = "3f2504e0-4f89-11d3-9a0c-0305e82c3301";

    @ParameterizedTest
    @ValueSource(strings = {"/", "/hypervisors", "/hypervisors/" + ID, "/hypervisors/" + ID + "/config",
        "/hypervisors/" + ID + "/subnets/" + ID, "/observe/health/live", "/hypervisors/caf%C3%A9", "/a.b/..c/.d"})
    void canonicalPaths_pass(String path) {
        assertThat(RequestTarget.problem(path, "")).isNull();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "/hypervisors/" + ID + "%2Fconfig | encoded '/'",
        "/hypervisors/" + ID + "%2fconfig | encoded '/'",
        "/hypervisors;x=1/" + ID + " | ';'",
        "/hypervisors/" + ID + ";v=1 | ';'",
        "//hypervisors/" + ID + " | empty segments",
        "/hypervisors//" + ID + " | empty segments",
        "/hypervisors/ | empty segments",
        "/hypervisors/x/../" + ID + " | '..'",
        "/hypervisors/./" + ID + " | '..'",
        "/hypervisors/%2e%2e/" + ID + " | '..'",
        "/hypervisors/%2E/" + ID + " | '..'",
        "/hypervisors/%c0%af | UTF-8",
        "/hypervisors/%e0%80%af | UTF-8",
        "/hypervisors/%ed%a0%80 | UTF-8",
        "/hypervisors/%ff | UTF-8",
        "/hypervisors/%zz | hex digits",
        "/hypervisors/%4 | hex digits",
        "/hypervisors/a%00b | control characters",
        "/hypervisors/a%0Ab | control characters",
        "/hypervisors/caf\u00e9 | ASCII",
        "hypervisors | start with /"})
    void nonCanonicalPaths_areRefused(String path, String named) {
        assertThat(RequestTarget.problem(path, "")).as(path).isNotNull().contains(named);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"a=%c0%af | UTF-8", "a=%zz | hex digits", "a=%00 | control characters",
        "a=\u00e9 | ASCII"})
    void badQueries_areRefused(String query, String named) {
        assertThat(RequestTarget.problem("/hypervisors", query)).as(query).isNotNull().startsWith("the query").contains(named);
    }

    @ParameterizedTest
    @ValueSource(strings = {"a=1", "a=1+2&b=%41", "x=caf%C3%A9", "flag"})
    void goodQueries_pass(String query) {
        assertThat(RequestTarget.problem("/hypervisors", query)).isNull();
    }
}
