package io.lochness.chypervisord.adapter.in.http;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.lochness.chypervisord.domain.model.Hypervisor;
import io.lochness.chypervisord.domain.model.Resources;
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

    /** Memory, disk and CPU as the API writes them. */
    @JsonPropertyOrder({"memory", "disk", "cpu"})
    public record ResourcesJson(long memory, long disk, long cpu) {
        static ResourcesJson from(Resources r) {
            return new ResourcesJson(r.memory(), r.disk(), r.cpu());
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
