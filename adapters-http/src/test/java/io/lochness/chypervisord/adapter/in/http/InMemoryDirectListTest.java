package io.lochness.chypervisord.adapter.in.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.lochness.chypervisord.adapter.out.kv.memory.InMemoryKeyValueStore;
import io.lochness.chypervisord.adapter.out.kv.spi.KeyValueStore;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Filters and pages answered by direct paged store reads (the view off); the feed tests are
 * skipped here: without the view the feed answers 503 (checked below).
 */
class InMemoryDirectListTest extends ListAndFeedContract {
    @Override
    protected KeyValueStore createStore() {
        return new InMemoryKeyValueStore();
    }

    @Override
    protected boolean viewEnabled() {
        return false;
    }

    @Test
    @DisplayName("without the view the feed answers 503 with the JSON error body")
    void feedNeedsTheView() {
        Resp r = get("/hypervisors?watch=true");
        assertThat(r.status()).isEqualTo(503);
        assertThat(r.json().get("message").asText()).contains("--view=off");
    }
}
