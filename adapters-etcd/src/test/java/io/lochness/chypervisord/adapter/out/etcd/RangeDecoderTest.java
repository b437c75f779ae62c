package io.lochness.chypervisord.adapter.out.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.ResponseHeader;
import io.lochness.chypervisord.domain.port.out.KeyValue;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** {@link RangeDecoder} against messages encoded by protobuf itself, and by hand in unusual field orders. */
class RangeDecoderTest {

    private static io.etcd.jetcd.api.KeyValue kv(String key, String value, long mod) {
        return io.etcd.jetcd.api.KeyValue.newBuilder()
                .setKey(ByteString.copyFromUtf8(key))
                .setValue(ByteString.copyFromUtf8(value))
                .setCreateRevision(1)
                .setModRevision(mod)
                .setVersion(3)
                .setLease(0)
                .build();
    }

    private static RangeResponse response() {
        return RangeResponse.newBuilder()
                .setHeader(ResponseHeader.newBuilder().setClusterId(7).setMemberId(8).setRevision(42).setRaftTerm(2))
                .addKvs(kv("h/a/config/k", "v", 10))
                .addKvs(kv("h/a/metadata", "{\"id\":\"a\"} ✓", 11))
                .addKvs(kv("h/b/guests/g", "", 12))
                .addKvs(kv("h/b/metadata", "", 13))
                .setCount(4)
                .setMore(false)
                .build();
    }

    private static RangeDecoder.Range decode(String suffix, byte[] bytes) {
        return RangeDecoder.method(suffix).parseResponse(new ByteArrayInputStream(bytes));
    }

    @Test
    @DisplayName("without a suffix every entry is kept, with its value, mod revision and the header's revision")
    void keepsEverything() {
        RangeDecoder.Range range = decode(null, response().toByteArray());
        assertThat(range.revision()).isEqualTo(42);
        assertThat(range.total()).isEqualTo(4);
        assertThat(range.entries()).containsExactly(
                new KeyValue("h/a/config/k", "v", 10),
                new KeyValue("h/a/metadata", "{\"id\":\"a\"} ✓", 11),
                new KeyValue("h/b/guests/g", "", 12),
                new KeyValue("h/b/metadata", "", 13));
    }

    @Test
    @DisplayName("with a suffix only the keys ending with it are kept; the total still counts every key")
    void keepsOnlySuffix() {
        RangeDecoder.Range range = decode("/metadata", response().toByteArray());
        assertThat(range.total()).isEqualTo(4);
        assertThat(range.entries()).containsExactly(
                new KeyValue("h/a/metadata", "{\"id\":\"a\"} ✓", 11), new KeyValue("h/b/metadata", "", 13));
    }

    @Test
    @DisplayName("an empty range is an empty list at the header's revision")
    void emptyRange() {
        RangeDecoder.Range range = decode("/metadata",
                RangeResponse.newBuilder().setHeader(ResponseHeader.newBuilder().setRevision(5)).build().toByteArray());
        assertThat(range.entries()).isEmpty();
        assertThat(range.revision()).isEqualTo(5);
        assertThat(range.total()).isZero();
    }

    @Test
    @DisplayName("fields in any order, and unknown ones, decode as protobuf would")
    void anyFieldOrder() throws IOException {
        ByteArrayOutputStream kvBytes = new ByteArrayOutputStream();
        CodedOutputStream kvOut = CodedOutputStream.newInstance(kvBytes);
        kvOut.writeString(5, "value first");      // value before key
        kvOut.writeInt64(3, 99);                    // mod_revision
        kvOut.writeString(77, "a field etcd may add one day");
        kvOut.writeString(1, "x/metadata");         // key last
        kvOut.flush();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        out.writeInt64(4, 1);                       // count before everything
        out.writeByteArray(2, kvBytes.toByteArray());
        out.writeMessage(1, ResponseHeader.newBuilder().setRevision(100).build());
        out.flush();

        RangeDecoder.Range range = decode("/metadata", bytes.toByteArray());

        assertThat(range.entries()).containsExactly(new KeyValue("x/metadata", "value first", 99));
        assertThat(range.revision()).isEqualTo(100);
    }

    @Test
    @DisplayName("a truncated message is an error, not a short list")
    void truncatedIsError() {
        byte[] whole = response().toByteArray();
        assertThatThrownBy(() -> decode(null, Arrays.copyOf(whole, whole.length - 5)))
                .isInstanceOf(UncheckedIOException.class);
    }
}
