package io.lochness.chypervisord.adapter.out.kv;

import io.lochness.chypervisord.domain.model.Hypervisor;
import io.lochness.chypervisord.domain.model.HypervisorId;
import io.lochness.chypervisord.domain.model.InvalidInputException;
import io.lochness.chypervisord.domain.model.StoredDataInvalidException;

/**
 * Reads a stored hypervisor record exactly as the API does, for tools that copy records from
 * elsewhere ({@code chypervisord migrate-v2}) and must know the service will serve them.
 */
public final class StoredRecords {
    private StoredRecords() {}

    /**
     * The hypervisor whose record {@code json} is stored at {@code key} ({@code
     * lochness/hypervisors/{id}/metadata}).
     *
     * @throws StoredDataInvalidException when the key is not a record key of the layout, its id
     *     is not a lowercase UUID (the API would never look there), or the record cannot be read
     */
    public static Hypervisor read(String key, String json) {
        LochnessLayout.Key parsed = LochnessLayout.parse(key);
        if (parsed == null || parsed.part() != LochnessLayout.Part.METADATA) {
            throw new StoredDataInvalidException(key + " is not a record key (" + LochnessLayout.HYPERVISORS + "{id}/metadata)");
        }
        HypervisorId id;
        try {
            id = new HypervisorId(parsed.id());
        } catch (InvalidInputException e) {
            throw new StoredDataInvalidException("the record stored at " + key + " cannot be read: " + e.getMessage());
        }
        if (!id.value().equals(parsed.id())) {
            throw new StoredDataInvalidException("the record stored at " + key
                    + " cannot be served: its id is not written in lowercase, where the API looks");
        }
        return RecordCodec.decode(key, id, json);
    }
}
