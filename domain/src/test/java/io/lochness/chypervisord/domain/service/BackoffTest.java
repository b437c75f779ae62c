package io.lochness.chypervisord.domain.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The bound of the random pause between two attempts of a write that lost a race. */
class BackoffTest {
    private static final long QUICK = TimeUnit.MICROSECONDS.toNanos(500);

    @Test
    @DisplayName("after quick attempts the bound doubles from 2 ms up to 64 ms")
    void quickAttempts() {
        assertThat(HypervisorRegistry.backoffBoundMillis(1, QUICK)).isEqualTo(2);
        assertThat(HypervisorRegistry.backoffBoundMillis(5, QUICK)).isEqualTo(32);
        assertThat(HypervisorRegistry.backoffBoundMillis(6, QUICK)).isEqualTo(64);
        assertThat(HypervisorRegistry.backoffBoundMillis(23, QUICK)).isEqualTo(64);
    }

    @Test
    @DisplayName("after a slow attempt the bound is scaled by its duration over 2 ms, at most 8 times")
    void slowAttempts() {
        assertThat(HypervisorRegistry.backoffBoundMillis(1, TimeUnit.MILLISECONDS.toNanos(10))).isEqualTo(10);
        assertThat(HypervisorRegistry.backoffBoundMillis(6, TimeUnit.MILLISECONDS.toNanos(10))).isEqualTo(320);
        assertThat(HypervisorRegistry.backoffBoundMillis(23, TimeUnit.SECONDS.toNanos(3))).isEqualTo(512);
    }
}
