package io.lochness.chypervisord.domain.service;

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
 * lochness/hypervisors/{id}/heartbeat         written by the hypervisor's agent
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
