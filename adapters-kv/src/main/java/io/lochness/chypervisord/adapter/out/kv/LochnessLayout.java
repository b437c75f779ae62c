package io.lochness.chypervisord.adapter.out.kv;

import io.lochness.chypervisord.domain.model.ConfigKey;
import io.lochness.chypervisord.domain.model.HypervisorId;
import io.lochness.chypervisord.domain.model.SubnetId;

/**
 * The lochness key layout, the one place it is spelled out. Shared with the other lochness
 * daemons, so it must not change:
 *
 * <pre>
 * lochness/hypervisors/{id}/metadata          the record's JSON
 * lochness/hypervisors/{id}/config/{key}      a config value
 * lochness/hypervisors/{id}/subnets/{subnet}  the bridge name
 * lochness/hypervisors/{id}/guests/{guest}    a guest placed here (written by other daemons)
 * lochness/hypervisors/{id}/heartbeat         written by the hypervisor's agent, with a TTL
 * </pre>
 */
public final class LochnessLayout {
    public static final String HYPERVISORS = "lochness/hypervisors/";
    static final String METADATA = "metadata";
    /** What every record key ends with (and, among keys other daemons write, so might others). */
    static final String METADATA_SUFFIX = "/" + METADATA;
    static final String CONFIG = "config/";
    static final String SUBNETS = "subnets/";
    static final String GUESTS = "guests/";
    static final String HEARTBEAT = "heartbeat";

    private LochnessLayout() {}

    /** Everything stored for one hypervisor. */
    public static String prefix(HypervisorId id) {
        return HYPERVISORS + id.value() + "/";
    }

    public static String metadata(HypervisorId id) {
        return prefix(id) + METADATA;
    }

    public static String configPrefix(HypervisorId id) {
        return prefix(id) + CONFIG;
    }

    public static String config(HypervisorId id, ConfigKey key) {
        return configPrefix(id) + key.value();
    }

    public static String subnetsPrefix(HypervisorId id) {
        return prefix(id) + SUBNETS;
    }

    public static String subnet(HypervisorId id, SubnetId subnet) {
        return subnetsPrefix(id) + subnet.value();
    }

    public static String guestsPrefix(HypervisorId id) {
        return prefix(id) + GUESTS;
    }

    public static String guest(HypervisorId id, String guestId) {
        return guestsPrefix(id) + guestId;
    }

    public static String heartbeat(HypervisorId id) {
        return prefix(id) + HEARTBEAT;
    }

    /** The prefix of the children of one kind. */
    static String childrenPrefix(HypervisorId id, Part part) {
        return switch (part) {
            case CONFIG -> configPrefix(id);
            case SUBNET -> subnetsPrefix(id);
            case GUEST -> guestsPrefix(id);
            default -> throw new IllegalArgumentException(part + " has no children");
        };
    }

    /** What a key under {@link #HYPERVISORS} is. */
    enum Part {
        METADATA,
        CONFIG,
        SUBNET,
        GUEST,
        HEARTBEAT
    }

    /**
     * A key of the layout, taken apart: the id segment as stored (not yet validated), what it
     * is, and for a child its name (what follows {@code config/}, {@code subnets/}, {@code
     * guests/}; may hold further slashes when another daemon wrote such a key).
     */
    record Key(String id, Part part, String name) {}

    /** Takes {@code key} apart, or null when it is not a key of the layout. */
    static Key parse(String key) {
        if (!key.startsWith(HYPERVISORS)) {
            return null;
        }
        int slash = key.indexOf('/', HYPERVISORS.length());
        if (slash <= HYPERVISORS.length()) {
            return null;
        }
        String id = key.substring(HYPERVISORS.length(), slash);
        String rest = key.substring(slash + 1);
        if (rest.equals(METADATA)) {
            return new Key(id, Part.METADATA, null);
        }
        if (rest.equals(HEARTBEAT)) {
            return new Key(id, Part.HEARTBEAT, null);
        }
        if (rest.startsWith(CONFIG) && rest.length() > CONFIG.length()) {
            return new Key(id, Part.CONFIG, rest.substring(CONFIG.length()));
        }
        if (rest.startsWith(SUBNETS) && rest.length() > SUBNETS.length()) {
            return new Key(id, Part.SUBNET, rest.substring(SUBNETS.length()));
        }
        if (rest.startsWith(GUESTS) && rest.length() > GUESTS.length()) {
            return new Key(id, Part.GUEST, rest.substring(GUESTS.length()));
        }
        return null;
    }

    /**
     * The id segment of a {@code lochness/hypervisors/{id}/metadata} key, or null when {@code key}
     * is any other key.
     */
    static String idOfMetadataKey(String key) {
        int end = key.length() - METADATA.length() - 1;
        if (end <= HYPERVISORS.length()
                || !key.startsWith(HYPERVISORS)
                || !key.endsWith(METADATA)
                || key.charAt(end) != '/'
                || key.indexOf('/', HYPERVISORS.length()) != end) {
            return null;
        }
        return key.substring(HYPERVISORS.length(), end);
    }
}
