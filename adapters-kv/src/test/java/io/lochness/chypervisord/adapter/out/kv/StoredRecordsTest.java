package io.lochness.chypervisord.adapter.out.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lochness.chypervisord.domain.TestHypervisors;
import io.lochness.chypervisord.domain.model.StoredDataInvalidException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** {@link StoredRecords#read}: a record read as the API reads it, for migrate-v2. */
class StoredRecordsTest {
    private static final String ID = TestHypervisors.seedId().value();

    @Test
    @DisplayName("a record at its key reads as the API reads it, wrapped uint64s included")
    void readsARecord() {
        assertThat(StoredRecords.read("lochness/hypervisors/" + ID + "/metadata", TestHypervisors.SEED_JSON))
                .isEqualTo(TestHypervisors.seed());
        String wrapped = "{\"id\":\"" + ID + "\",\"available_resources\":{\"memory\":18446744073709551615}}";
        assertThat(StoredRecords.read("lochness/hypervisors/" + ID + "/metadata", wrapped).availableResources().memory())
                .isEqualTo(-1L);
    }

    @Test
    @DisplayName("a corrupt record, a key that is not a record key, a bad or upper-case id are refused")
    void refusesWhatTheApiCouldNotServe() {
        assertThatThrownBy(() -> StoredRecords.read("lochness/hypervisors/" + ID + "/metadata", "{\"ip\":\"10.1"))
                .isInstanceOf(StoredDataInvalidException.class).hasMessageContaining("cannot be read");
        assertThatThrownBy(() -> StoredRecords.read("lochness/hypervisors/" + ID + "/config/a", TestHypervisors.SEED_JSON))
                .isInstanceOf(StoredDataInvalidException.class).hasMessageContaining("not a record key");
        assertThatThrownBy(() -> StoredRecords.read("lochness/hypervisors/not-a-uuid/metadata", "{}"))
                .isInstanceOf(StoredDataInvalidException.class).hasMessageContaining("cannot be read");
        assertThatThrownBy(() -> StoredRecords.read("lochness/hypervisors/" + ID.toUpperCase() + "/metadata", "{}"))
                .isInstanceOf(StoredDataInvalidException.class).hasMessageContaining("lowercase");
        assertThatThrownBy(() -> StoredRecords.read("lochness/hypervisors/" + ID + "/metadata",
                "{\"total_resources\":{\"memory\":18446744073709551616}}"))
                .isInstanceOf(StoredDataInvalidException.class);
    }
}
