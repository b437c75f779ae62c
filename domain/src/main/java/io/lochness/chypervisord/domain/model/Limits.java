package io.lochness.chypervisord.domain.model;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * What one request may hold, and what one hypervisor may hold in the store. Every limit has a
 * name (used in the error message, so a client knows which one it hit) and a value; the README's
 * operations section lists them. The per-request limits are checked where a request is turned into
 * domain values ({@link HypervisorPatch}, and the config and subnet changes through {@link
 * #checkConfigChanges} and {@link #checkSubnetChanges}); the per-hypervisor ones are for the
 * registry to check against the record as it would be after a write.
 */
public final class Limits {
    /** A request body, in bytes (the HTTP adapter refuses a larger declared length before reading it). */
    public static final int REQUEST_BODY_BYTES = 1 << 20;
    /** Metadata entries of one hypervisor (metadata is replaced whole, so also per request). */
    public static final int METADATA_ENTRIES = 128;
    /** One metadata key, in UTF-8 bytes. */
    public static final int METADATA_KEY_BYTES = 256;
    /** One metadata value, in UTF-8 bytes. */
    public static final int METADATA_VALUE_BYTES = 4096;
    /** One config value, in UTF-8 bytes. */
    public static final int CONFIG_VALUE_BYTES = 64 * 1024;
    /**
     * Config keys changed by one request: etcd's default number of operations in one transaction
     * (a store may hold fewer in one transaction: a larger change is then 400, see the README).
     */
    public static final int CONFIG_KEYS_PER_REQUEST = 128;
    /** Subnets added by one request (as for config keys). */
    public static final int SUBNETS_PER_REQUEST = 128;
    /** Config keys one hypervisor may hold in the store (for the registry's check). */
    public static final int CONFIG_KEYS_PER_HYPERVISOR = 1024;
    /** Subnets one hypervisor may hold in the store (for the registry's check). */
    public static final int SUBNETS_PER_HYPERVISOR = 1024;
    /**
     * Bytes of one hypervisor across all its keys (record, config, subnets; keys and values), for
     * the registry's check: well under etcd's default 1.5 MiB request size and the gRPC client's
     * 4 MiB message limit, so one hypervisor's reads never fail for its size.
     */
    public static final int HYPERVISOR_BYTES = 1 << 20;

    private Limits() {}

    /** The UTF-8 length of {@code s}, without encoding it. */
    public static long utf8Length(String s) {
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n++;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }

    /** Throws {@link LimitExceededException} naming {@code limit} when {@code count > max}. */
    public static void requireAtMost(long count, long max, String what) {
        if (count > max) {
            throw new LimitExceededException(what + " is over the limit of " + max + " (got " + count + ")");
        }
    }

    /** Metadata as a request gives it: entries, key and value sizes. */
    public static void checkMetadata(Map<String, String> metadata) {
        if (metadata == null) {
            return;
        }
        requireAtMost(metadata.size(), METADATA_ENTRIES, "the number of metadata entries");
        metadata.forEach((k, v) -> {
            if (k != null) {
                requireAtMost(utf8Length(k), METADATA_KEY_BYTES, "the metadata key " + Text.quote(k) + " in UTF-8 bytes");
            }
            if (k != null && v != null) {
                requireAtMost(utf8Length(v), METADATA_VALUE_BYTES,
                        "the metadata value of " + Text.quote(k) + " in UTF-8 bytes");
            }
        });
    }

    /** One config request: number of keys and the size of each value. */
    public static void checkConfigChanges(Map<ConfigKey, String> changes) {
        requireAtMost(changes.size(), CONFIG_KEYS_PER_REQUEST, "the number of config keys in one request");
        changes.forEach((k, v) -> requireAtMost(utf8Length(v), CONFIG_VALUE_BYTES,
                "the config value of " + Text.quote(k.value()) + " in UTF-8 bytes"));
    }

    /** One subnets request: number of subnets. */
    public static void checkSubnetChanges(Map<SubnetId, BridgeName> changes) {
        requireAtMost(changes.size(), SUBNETS_PER_REQUEST, "the number of subnets in one request");
    }
}
