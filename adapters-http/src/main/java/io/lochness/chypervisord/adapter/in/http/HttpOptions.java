package io.lochness.chypervisord.adapter.in.http;

import java.util.Objects;

/**
 * How the API's server is run: its limits, who may do what, and the kind of store behind it
 * (named in 503 answers instead of the store's address or its own error text).
 */
public record HttpOptions(ServerLimits limits, AccessGuard access, String storeKind) {
    public HttpOptions {
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(access, "access");
        Objects.requireNonNull(storeKind, "storeKind");
    }

    /** Default limits, open access, an unnamed store. */
    public static HttpOptions defaults() {
        return new HttpOptions(ServerLimits.defaults(), AccessGuard.open(), "key-value");
    }
}
