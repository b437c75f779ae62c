package io.lochness.chypervisord.domain;

import io.lochness.chypervisord.domain.model.Hypervisor;
import io.lochness.chypervisord.domain.model.HypervisorId;
import io.lochness.chypervisord.domain.model.HypervisorPatch;
import io.lochness.chypervisord.domain.model.IpAddress;
import io.lochness.chypervisord.domain.model.MacAddress;
import io.lochness.chypervisord.domain.model.Resources;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Shared test data: the seed record of the original lochness test suite and a builder for
 * variations of it. Ships in the domain test-jar, so adapter modules can use it too.
 */
public final class TestHypervisors {
    /** The seed record's id. */
    public static final String SEED_ID = "abcd1234-abcd-1234-abcd-1234abcd1234";

    /** The seed record exactly as it is stored at its metadata key (and as Go's lochness writes it). */
    public static final String SEED_JSON = "{\"id\":\"abcd1234-abcd-1234-abcd-1234abcd1234\",\"metadata\":{},"
            + "\"ip\":\"10.100.101.35\",\"netmask\":\"255.255.255.255\",\"gateway\":\"10.100.101.35\","
            + "\"mac\":\"01:23:45:67:89:ac\",\"total_resources\":{\"memory\":1024,\"disk\":1024,\"cpu\":1},"
            + "\"available_resources\":{\"memory\":1024,\"disk\":1024,\"cpu\":1}}";

    private TestHypervisors() {}

    /** The seed record as a model value. */
    public static Hypervisor seed() {
        return builder().build();
    }

    /** The seed record's id. */
    public static HypervisorId seedId() {
        return new HypervisorId(SEED_ID);
    }

    /** A builder that starts from the seed record. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder that starts from the seed record with a fresh random id. */
    public static Builder withRandomId() {
        return new Builder().id(HypervisorId.random());
    }

    /** The fields of {@code h} as a create/update body, id included. */
    public static HypervisorPatch patchOf(Hypervisor h) {
        return new HypervisorPatch(
                h.id(), h.metadata(), h.ip(), h.netmask(), h.gateway(), h.mac(), h.totalResources(),
                h.availableResources());
    }

    /** A patch that sets only {@code ip}. */
    public static HypervisorPatch ipOnly(String ip) {
        return new HypervisorPatch(null, null, new IpAddress(ip), null, null, null, null, null);
    }

    /** A patch that sets only {@code mac}. */
    public static HypervisorPatch macOnly(String mac) {
        return new HypervisorPatch(null, null, null, null, null, new MacAddress(mac), null, null);
    }

    /** A patch that sets only the metadata (replacing the whole map). */
    public static HypervisorPatch metadataOnly(Map<String, String> metadata) {
        return new HypervisorPatch(null, metadata, null, null, null, null, null, null);
    }

    public static final class Builder {
        private HypervisorId id = new HypervisorId(SEED_ID);
        private Map<String, String> metadata = new LinkedHashMap<>();
        private IpAddress ip = new IpAddress("10.100.101.35");
        private IpAddress netmask = new IpAddress("255.255.255.255");
        private IpAddress gateway = new IpAddress("10.100.101.35");
        private MacAddress mac = new MacAddress("01:23:45:67:89:ac");
        private Resources total = new Resources(1024, 1024, 1);
        private Resources available = new Resources(1024, 1024, 1);

        private Builder() {}

        public Builder id(HypervisorId id) {
            this.id = id;
            return this;
        }

        public Builder id(String id) {
            return id(new HypervisorId(id));
        }

        public Builder metadata(Map<String, String> metadata) {
            this.metadata = new LinkedHashMap<>(metadata);
            return this;
        }

        public Builder meta(String key, String value) {
            this.metadata.put(key, value);
            return this;
        }

        public Builder ip(String ip) {
            this.ip = new IpAddress(ip);
            return this;
        }

        public Builder netmask(String netmask) {
            this.netmask = new IpAddress(netmask);
            return this;
        }

        public Builder gateway(String gateway) {
            this.gateway = new IpAddress(gateway);
            return this;
        }

        public Builder mac(String mac) {
            this.mac = new MacAddress(mac);
            return this;
        }

        public Builder totalResources(long memory, long disk, long cpu) {
            this.total = new Resources(memory, disk, cpu);
            return this;
        }

        public Builder availableResources(long memory, long disk, long cpu) {
            this.available = new Resources(memory, disk, cpu);
            return this;
        }

        public Hypervisor build() {
            return new Hypervisor(id, metadata, ip, netmask, gateway, mac, total, available);
        }

        /** The built record as a create body (id included). */
        public HypervisorPatch patch() {
            return patchOf(build());
        }
    }
}
