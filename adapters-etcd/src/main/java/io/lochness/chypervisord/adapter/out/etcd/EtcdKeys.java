package io.lochness.chypervisord.adapter.out.etcd;

import com.google.protobuf.ByteString;
import java.util.Comparator;

/** Key ranges as etcd spells them: a prefix is {@code [prefix, prefixEnd(prefix))}. */
final class EtcdKeys {
    static final ByteString ZERO = ByteString.copyFrom(new byte[] {0});
    static final Comparator<ByteString> ORDER = ByteString.unsignedLexicographicalComparator();

    private EtcdKeys() {}

    static ByteString utf8(String text) {
        return ByteString.copyFromUtf8(text);
    }

    /** The first key of a prefix range: the prefix, or {@code \0} for the empty prefix (etcd refuses an empty key). */
    static ByteString rangeStart(ByteString prefix) {
        return prefix.isEmpty() ? ZERO : prefix;
    }

    /**
     * etcd's prefix range end: the prefix with its last non-0xff byte incremented, or {@code \0}
     * for "no end" (what clientv3's {@code GetPrefixRangeEnd} and jetcd's {@code
     * OptionsUtil.prefixEndOf} compute; kept here on {@link ByteString} to skip jetcd's {@code
     * ByteSequence} round trip).
     */
    static ByteString prefixEnd(ByteString prefix) {
        byte[] bytes = prefix.toByteArray();
        for (int i = bytes.length - 1; i >= 0; i--) {
            if (bytes[i] != (byte) 0xff) {
                bytes[i]++;
                return ByteString.copyFrom(bytes, 0, i + 1);
            }
        }
        return ZERO;
    }

    /** The smallest key greater than {@code key}. */
    static ByteString successor(ByteString key) {
        return key.concat(ZERO);
    }
}
