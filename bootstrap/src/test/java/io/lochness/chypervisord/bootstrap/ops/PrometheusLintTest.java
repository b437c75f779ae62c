package io.lochness.chypervisord.bootstrap.ops;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The Java lint catches what promtool reported on the service's old exposition. */
class PrometheusLintTest {
    @Test
    @DisplayName("the problems promtool found before (quantiles on histograms, camelCase, _count gauges) are found")
    void findsPromtoolsProblems() {
        String old = """
                # HELP chypervisord_http_requests_seconds HTTP requests
                # TYPE chypervisord_http_requests_seconds histogram
                chypervisord_http_requests_seconds{method="GET",quantile="0.5",} 0.05
                chypervisord_http_requests_seconds_bucket{method="GET",le="+Inf",} 1.0
                chypervisord_http_requests_seconds_count{method="GET",} 1.0
                # TYPE memory_usedHeap_bytes gauge
                memory_usedHeap_bytes{scope="base",} 6.3E7
                # TYPE thread_count gauge
                thread_count{scope="base",} 12.0
                # TYPE gc_time counter
                gc_time{scope="base",} 3.0
                # TYPE jvm_gc_milliseconds_total counter
                jvm_gc_milliseconds_total 3.0
                no_type_line 1.0
                """;
        assertThat(PrometheusLint.problems(old)).containsExactlyInAnyOrder(
                "chypervisord_http_requests_seconds: non-summary metrics should not have a quantile label",
                "memory_usedHeap_bytes: metric names should be written in snake_case, not camelCase",
                "thread_count: non-histogram and non-summary metrics should not have a _count, _sum or _bucket suffix",
                "gc_time: counter names should have the _total suffix",
                "jvm_gc_milliseconds_total: use a base unit (seconds, bytes) instead of milliseconds",
                "no_type_line: sample without a TYPE line");
    }

    @Test
    @DisplayName("a clean histogram, counter and gauge pass")
    void cleanPasses() {
        String clean = """
                # HELP a_seconds latency
                # TYPE a_seconds histogram
                a_seconds_bucket{route="/x",le="0.1",} 1.0
                a_seconds_bucket{route="/x",le="+Inf",} 1.0
                a_seconds_count{route="/x",} 1.0
                a_seconds_sum{route="/x",} 0.01
                # TYPE b_total counter
                b_total{operation="update config",} 0.0
                # TYPE c_bytes gauge
                c_bytes 4.0E7
                """;
        assertThat(PrometheusLint.problems(clean)).isEmpty();
    }
}
