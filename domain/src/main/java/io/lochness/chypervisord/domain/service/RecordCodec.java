package io.lochness.chypervisord.domain.service;

import io.lochness.chypervisord.domain.model.Hypervisor;
import io.lochness.chypervisord.domain.model.HypervisorId;
import io.lochness.chypervisord.domain.model.InvalidInputException;
import io.lochness.chypervisord.domain.model.IpAddress;
import io.lochness.chypervisord.domain.model.MacAddress;
import io.lochness.chypervisord.domain.model.Resources;
import io.lochness.chypervisord.domain.model.StoredDataInvalidException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The JSON of a hypervisor record as stored at its {@code metadata} key: the API's JSON, field
 * for field, so the other lochness daemons (Go's {@code lochness.Hypervisor}) read and write the
 * same bytes. Reading is lenient where Go is (unknown fields, {@code null} metadata) and strict
 * where the model is (addresses, resources).
 */
final class RecordCodec {
    private RecordCodec() {}

    static String encode(Hypervisor h) {
        StringBuilder out = new StringBuilder(256);
        out.append("{\"id\":");
        MiniJson.writeString(out, h.id().value());
        out.append(",\"metadata\":{");
        boolean first = true;
        for (Map.Entry<String, String> e : h.metadata().entrySet()) {
            if (!first) {
                out.append(',');
            }
            first = false;
            MiniJson.writeString(out, e.getKey());
            out.append(':');
            MiniJson.writeString(out, e.getValue());
        }
        out.append("},\"ip\":");
        MiniJson.writeString(out, h.ip().value());
        out.append(",\"netmask\":");
        MiniJson.writeString(out, h.netmask().value());
        out.append(",\"gateway\":");
        MiniJson.writeString(out, h.gateway().value());
        out.append(",\"mac\":");
        MiniJson.writeString(out, h.mac().value());
        out.append(",\"total_resources\":");
        resources(out, h.totalResources());
        out.append(",\"available_resources\":");
        resources(out, h.availableResources());
        return out.append('}').toString();
    }

    private static void resources(StringBuilder out, Resources r) {
        out.append("{\"memory\":").append(r.memory())
                .append(",\"disk\":").append(r.disk())
                .append(",\"cpu\":").append(r.cpu())
                .append('}');
    }

    /**
     * Reads the record stored at {@code key}. The record belongs to the hypervisor named by the
     * key; an {@code id} field that disagrees is refused rather than trusted.
     */
    static Hypervisor decode(String key, HypervisorId id, String json) {
        try {
            if (!(MiniJson.parse(json) instanceof Map<?, ?> fields)) {
                throw new IllegalArgumentException("not a JSON object");
            }
            Object storedId = fields.get("id");
            if (storedId != null && !(storedId instanceof String s && s.equalsIgnoreCase(id.value()))) {
                throw new IllegalArgumentException("its id " + storedId + " is not the key's");
            }
            return new Hypervisor(
                    id,
                    metadata(fields.get("metadata")),
                    new IpAddress(text(fields, "ip")),
                    new IpAddress(text(fields, "netmask")),
                    new IpAddress(text(fields, "gateway")),
                    new MacAddress(text(fields, "mac")),
                    resources(fields.get("total_resources")),
                    resources(fields.get("available_resources")));
        } catch (IllegalArgumentException | InvalidInputException e) {
            throw new StoredDataInvalidException(
                    "the record stored at " + key + " cannot be read: " + e.getMessage());
        }
    }

    private static String text(Map<?, ?> fields, String name) {
        Object v = fields.get(name);
        if (v == null) {
            return "";
        }
        if (!(v instanceof String s)) {
            throw new IllegalArgumentException(name + " is not a string");
        }
        return s;
    }

    private static Map<String, String> metadata(Object v) {
        if (v == null) {
            return Map.of();
        }
        if (!(v instanceof Map<?, ?> m)) {
            throw new IllegalArgumentException("metadata is not an object");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (!(e.getValue() instanceof String s)) {
                throw new IllegalArgumentException("metadata value of " + e.getKey() + " is not a string");
            }
            out.put((String) e.getKey(), s);
        }
        return out;
    }

    private static Resources resources(Object v) {
        if (v == null) {
            return Resources.ZERO;
        }
        if (!(v instanceof Map<?, ?> m)) {
            throw new IllegalArgumentException("resources are not an object");
        }
        return new Resources(whole(m.get("memory")), whole(m.get("disk")), whole(m.get("cpu")));
    }

    private static long whole(Object v) {
        if (v == null) {
            return 0;
        }
        if (!(v instanceof MiniJson.Num n)) {
            throw new IllegalArgumentException("a resource is not a number");
        }
        try {
            return Long.parseLong(n.text());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("a resource is not a whole number in range: " + n.text());
        }
    }
}
