package io.lochness.chypervisord.adapter.in.http;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import io.lochness.chypervisord.domain.model.Hypervisor;
import io.lochness.chypervisord.domain.model.Resources;
import java.io.IOException;
import java.util.Map;

/** The API's JSON for a hypervisor, field for field and in the seed README's order. */
@JsonPropertyOrder({
    "id", "metadata", "ip", "netmask", "gateway", "mac", "total_resources", "available_resources"
})
public record HypervisorJson(
        String id,
        Map<String, String> metadata,
        String ip,
        String netmask,
        String gateway,
        String mac,
        @JsonProperty("total_resources") ResourcesJson totalResources,
        @JsonProperty("available_resources") ResourcesJson availableResources) {

    /**
     * Memory, disk and CPU as the API writes them: JSON numbers from 0 to 18446744073709551615,
     * the long's 64 bits read unsigned (a Go agent's wrapped {@code uint64} is served exactly).
     */
    @JsonPropertyOrder({"memory", "disk", "cpu"})
    public record ResourcesJson(
            @JsonSerialize(using = Unsigned.class) long memory,
            @JsonSerialize(using = Unsigned.class) long disk,
            @JsonSerialize(using = Unsigned.class) long cpu) {
        static ResourcesJson from(Resources r) {
            return new ResourcesJson(r.memory(), r.disk(), r.cpu());
        }
    }

    /** Writes a long's 64 bits as an unsigned JSON number. */
    static final class Unsigned extends StdSerializer<Long> {
        Unsigned() {
            super(Long.class);
        }

        @Override
        public void serialize(Long value, JsonGenerator g, SerializerProvider provider) throws IOException {
            g.writeNumber(Long.toUnsignedString(value));
        }
    }

    public static HypervisorJson from(Hypervisor h) {
        return new HypervisorJson(
                h.id().value(),
                h.metadata(),
                h.ip().value(),
                h.netmask().value(),
                h.gateway().value(),
                h.mac().value(),
                ResourcesJson.from(h.totalResources()),
                ResourcesJson.from(h.availableResources()));
    }
}
