package io.lochness.chypervisord.adapter.out.etcd;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.ExtensionRegistryLite;
import com.google.protobuf.WireFormat;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.ResponseHeader;
import io.grpc.MethodDescriptor;
import io.lochness.chypervisord.domain.port.out.KeyValue;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Decodes etcd's {@code RangeResponse} straight from the wire into the port's entries, keeping
 * only the keys that end with a suffix (or all of them).
 *
 * <p>The generated message would first hold every key and value of the range as protobuf objects
 * and byte strings, and only then be filtered: for the list of 10,000 hypervisors that is 80,000
 * entries (some 25 MB) to keep 10,000. Decoding field by field, an unwanted entry's value is
 * skipped on the wire and nothing of it outlives its parse; what a list costs in memory is then
 * the records it returns. The message layout is etcd's {@code rpc.proto} / {@code kv.proto}:
 * RangeResponse {1: header, 2: repeated kvs, 3: more, 4: count}, KeyValue {1: key,
 * 2: create_revision, 3: mod_revision, 4: version, 5: value, 6: lease}; unknown fields are
 * skipped, as protobuf does.
 */
final class RangeDecoder implements MethodDescriptor.Marshaller<RangeDecoder.Range> {
    private static final int RESPONSE_HEADER = 1;
    private static final int RESPONSE_KVS = 2;
    private static final int KV_KEY = 1;
    private static final int KV_MOD_REVISION = 3;
    private static final int KV_VALUE = 5;

    /** The decoded range: the kept entries in etcd's (key) order, the read's revision, and how many keys it held in all. */
    record Range(List<KeyValue> entries, long revision, int total) {}

    private final byte[] suffix;

    private RangeDecoder(byte[] suffix) {
        this.suffix = suffix;
    }

    /** etcd's Range call, answered as a {@link Range} of the keys ending with {@code suffix} (all when null). */
    static MethodDescriptor<RangeRequest, Range> method(String suffix) {
        return KVGrpc.getRangeMethod().toBuilder(
                        KVGrpc.getRangeMethod().getRequestMarshaller(),
                        new RangeDecoder(suffix == null ? null : suffix.getBytes(StandardCharsets.UTF_8)))
                .build();
    }

    @Override
    public InputStream stream(Range value) {
        throw new UnsupportedOperationException("responses are only decoded");
    }

    @Override
    public Range parse(InputStream stream) {
        try {
            return decode(CodedInputStream.newInstance(stream));
        } catch (IOException e) {
            // gRPC turns a marshaller's exception into an INTERNAL status for the call.
            throw new UncheckedIOException("cannot decode etcd's range response", e);
        }
    }

    Range decode(CodedInputStream in) throws IOException {
        List<KeyValue> entries = new ArrayList<>();
        long revision = 0;
        int total = 0;
        int tag;
        while ((tag = in.readTag()) != 0) {
            switch (WireFormat.getTagFieldNumber(tag)) {
                case RESPONSE_HEADER -> revision =
                        in.readMessage(ResponseHeader.parser(), ExtensionRegistryLite.getEmptyRegistry()).getRevision();
                case RESPONSE_KVS -> {
                    int limit = in.pushLimit(in.readRawVarint32());
                    total++;
                    KeyValue kv = keyValue(in);
                    if (kv != null) {
                        entries.add(kv);
                    }
                    in.popLimit(limit);
                }
                default -> in.skipField(tag);
            }
        }
        return new Range(entries, revision, total);
    }

    /** One KeyValue message, up to the current limit; null when its key does not end with the suffix. */
    private KeyValue keyValue(CodedInputStream in) throws IOException {
        byte[] key = null;
        boolean wanted = true;
        String value = "";
        long modRevision = 0;
        int tag;
        while ((tag = in.readTag()) != 0) {
            switch (WireFormat.getTagFieldNumber(tag)) {
                case KV_KEY -> {
                    key = in.readByteArray();
                    wanted = endsWithSuffix(key);
                }
                case KV_MOD_REVISION -> modRevision = in.readInt64();
                case KV_VALUE -> {
                    if (wanted) {
                        value = in.readString();
                    } else {
                        in.skipField(tag);
                    }
                }
                default -> in.skipField(tag);
            }
        }
        if (key == null || !wanted) {
            return null;
        }
        return new KeyValue(new String(key, StandardCharsets.UTF_8), value, modRevision);
    }

    private boolean endsWithSuffix(byte[] key) {
        return suffix == null
                || (key.length >= suffix.length
                        && Arrays.equals(key, key.length - suffix.length, key.length, suffix, 0, suffix.length));
    }
}
