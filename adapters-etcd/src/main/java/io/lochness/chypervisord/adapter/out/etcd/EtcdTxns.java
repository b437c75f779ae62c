package io.lochness.chypervisord.adapter.out.etcd;

import static io.lochness.chypervisord.adapter.out.etcd.EtcdKeys.ORDER;
import static io.lochness.chypervisord.adapter.out.etcd.EtcdKeys.ZERO;
import static io.lochness.chypervisord.adapter.out.etcd.EtcdKeys.prefixEnd;
import static io.lochness.chypervisord.adapter.out.etcd.EtcdKeys.rangeStart;
import static io.lochness.chypervisord.adapter.out.etcd.EtcdKeys.successor;
import static io.lochness.chypervisord.adapter.out.etcd.EtcdKeys.utf8;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.Compare;
import io.etcd.jetcd.api.DeleteRangeRequest;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.api.TxnResponse;
import io.lochness.chypervisord.adapter.out.kv.spi.KeyValue;
import io.lochness.chypervisord.adapter.out.kv.spi.Txn;
import io.lochness.chypervisord.adapter.out.kv.spi.TxnResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Builds etcd {@code TxnRequest}s from the SPI's {@link Txn} and reads their answers.
 *
 * <p>Where it goes its own way from jetcd: a {@link Txn.PrefixEmpty} condition must be checked
 * inside the transaction, atomically with its writes, which etcd supports with a <em>range
 * compare</em> (a {@link Compare} with {@code range_end}: checked against every key in the
 * range; an empty range compares as one absent key). jetcd's {@code Cmp} has no range end and
 * its {@code Txn} builder sends the request itself, so the request is built here on jetcd's
 * generated messages.
 *
 * <p>Mapping: {@code KeyAt(k, r > 0)} is {@code mod_revision == r}; {@code KeyAt(k, 0)} is
 * {@code create_revision == 0} (absent); {@code Present(k)} is {@code create_revision > 0};
 * {@code PrefixEmpty(p)} is {@code create_revision == 0} over {@code [p, prefixEnd(p))}. etcd
 * refuses a transaction that writes one key twice or puts a key inside a range it also deletes;
 * since the SPI applies mutations in order, they are first reduced to their net effect (last put
 * of a key wins, a delete drops earlier puts, a later put is cut out of an earlier delete range),
 * which etcd applies identically. A read-back is a range after the writes in the success branch.
 */
final class EtcdTxns {

    /** etcd's default {@code --max-txn-ops}: the most compares, or operations, in one Txn. */
    static final int MAX_TXN_OPERATIONS = 128;

    private EtcdTxns() {}

    /**
     * The etcd request for {@code txn}.
     *
     * @throws IllegalArgumentException when it holds more than {@value #MAX_TXN_OPERATIONS}
     *     operations, before or after its puts are cut out of its deletes
     */
    static TxnRequest request(Txn txn) {
        return request(txn, Map.of());
    }

    /** As {@link #request(Txn)}, each put of a key in {@code leases} attached to that lease id. */
    static TxnRequest request(Txn txn, Map<String, Long> leases) {
        if (txn.size() > MAX_TXN_OPERATIONS) {
            throw new IllegalArgumentException(
                    "transaction of " + txn.size() + " operations exceeds etcd's limit of " + MAX_TXN_OPERATIONS);
        }
        TxnRequest.Builder request = TxnRequest.newBuilder();
        for (Txn.Condition condition : txn.conditions()) {
            request.addCompare(compare(condition));
        }
        List<RequestOp> ops = new ArrayList<>(netEffect(txn.mutations(), leases));
        if (txn.readBack() != null) {
            // After the writes: etcd applies a Txn's operations in order, so the range sees them.
            ops.add(RequestOp.newBuilder().setRequestRange(prefixRange(txn.readBack())).build());
        }
        if (ops.size() > MAX_TXN_OPERATIONS) {
            throw new IllegalArgumentException(
                    "transaction needs " + ops.size() + " etcd operations once its puts are cut out"
                            + " of its deletes, more than etcd's limit of " + MAX_TXN_OPERATIONS);
        }
        return request.addAllSuccess(ops).build();
    }

    /** What etcd's answer to {@link #request(Txn)} means. */
    static TxnResult result(Txn txn, TxnResponse response) {
        if (!response.getSucceeded()) {
            return TxnResult.conflict();
        }
        long revision = response.getHeader().getRevision();
        if (txn.readBack() == null) {
            return TxnResult.committed(revision);
        }
        RangeResponse range = response.getResponses(response.getResponsesCount() - 1).getResponseRange();
        return TxnResult.committed(revision, entries(range.getKvsList()));
    }

    /** A range over every key under {@code prefix}. */
    static RangeRequest.Builder prefixRange(String prefix) {
        ByteString bytes = utf8(prefix);
        return RangeRequest.newBuilder().setKey(rangeStart(bytes)).setRangeEnd(prefixEnd(bytes));
    }

    static List<KeyValue> entries(List<io.etcd.jetcd.api.KeyValue> kvs) {
        List<KeyValue> out = new ArrayList<>(kvs.size());
        for (io.etcd.jetcd.api.KeyValue kv : kvs) {
            out.add(new KeyValue(kv.getKey().toStringUtf8(), kv.getValue().toStringUtf8(), kv.getModRevision()));
        }
        return out;
    }

    private static Compare compare(Txn.Condition condition) {
        return switch (condition) {
            case Txn.KeyAt keyAt when keyAt.revision() > 0 -> Compare.newBuilder()
                    .setKey(utf8(keyAt.key()))
                    .setTarget(Compare.CompareTarget.MOD)
                    .setResult(Compare.CompareResult.EQUAL)
                    .setModRevision(keyAt.revision())
                    .build();
            case Txn.KeyAt keyAt -> Compare.newBuilder()
                    .setKey(utf8(keyAt.key()))
                    .setTarget(Compare.CompareTarget.CREATE)
                    .setResult(Compare.CompareResult.EQUAL)
                    .setCreateRevision(0)
                    .build();
            case Txn.Present present -> Compare.newBuilder()
                    .setKey(utf8(present.key()))
                    .setTarget(Compare.CompareTarget.CREATE)
                    .setResult(Compare.CompareResult.GREATER)
                    .setCreateRevision(0)
                    .build();
            case Txn.PrefixEmpty empty -> {
                ByteString prefix = utf8(empty.prefix());
                yield Compare.newBuilder()
                        .setKey(rangeStart(prefix))
                        .setRangeEnd(prefixEnd(prefix))
                        .setTarget(Compare.CompareTarget.CREATE)
                        .setResult(Compare.CompareResult.EQUAL)
                        .setCreateRevision(0)
                        .build();
            }
        };
    }

    /** A half-open key range; {@code end == null} means "to the end of the key space". */
    private record Range(ByteString start, ByteString end) {
        static Range single(ByteString key) {
            return new Range(key, successor(key));
        }

        static Range prefix(ByteString prefix) {
            ByteString end = prefixEnd(prefix);
            return new Range(rangeStart(prefix), end.equals(ZERO) ? null : end);
        }

        boolean contains(ByteString key) {
            return ORDER.compare(start, key) <= 0 && (end == null || ORDER.compare(key, end) < 0);
        }

        boolean isEmpty() {
            return end != null && ORDER.compare(start, end) >= 0;
        }

        RequestOp toOp() {
            DeleteRangeRequest.Builder delete = DeleteRangeRequest.newBuilder().setKey(start);
            if (end == null) {
                delete.setRangeEnd(ZERO);
            } else if (!end.equals(successor(start))) {
                delete.setRangeEnd(end);
            }
            return RequestOp.newBuilder().setRequestDeleteRange(delete).build();
        }
    }

    /**
     * The mutations reduced to their net effect, as etcd accepts them: disjoint delete ranges
     * that contain none of the puts, then at most one put per key.
     */
    private static List<RequestOp> netEffect(List<Txn.Mutation> mutations, Map<String, Long> leases) {
        TreeMap<ByteString, ByteString> puts = new TreeMap<>(ORDER);
        List<Range> deletes = new ArrayList<>();
        for (Txn.Mutation mutation : mutations) {
            switch (mutation) {
                case Txn.Put put -> puts.put(utf8(put.key()), utf8(put.value()));
                case Txn.Delete delete -> {
                    Range range = Range.single(utf8(delete.key()));
                    puts.remove(range.start());
                    deletes.add(range);
                }
                case Txn.DeletePrefix deletePrefix -> {
                    Range range = Range.prefix(utf8(deletePrefix.prefix()));
                    puts.keySet().removeIf(range::contains);
                    deletes.add(range);
                }
            }
        }
        List<RequestOp> ops = new ArrayList<>();
        for (Range range : cutOut(merge(deletes), puts.keySet())) {
            ops.add(range.toOp());
        }
        puts.forEach((key, value) -> ops.add(RequestOp.newBuilder()
                .setRequestPut(PutRequest.newBuilder().setKey(key).setValue(value)
                        .setLease(leases.getOrDefault(key.toStringUtf8(), 0L)))
                .build()));
        return ops;
    }

    /** The union of {@code ranges} as sorted, disjoint, non-adjacent ranges. */
    private static List<Range> merge(List<Range> ranges) {
        List<Range> sorted = new ArrayList<>(ranges);
        sorted.sort((a, b) -> ORDER.compare(a.start(), b.start()));
        List<Range> merged = new ArrayList<>();
        for (Range range : sorted) {
            if (!merged.isEmpty()) {
                Range last = merged.get(merged.size() - 1);
                if (last.end() == null || ORDER.compare(range.start(), last.end()) <= 0) {
                    ByteString end = last.end() == null || range.end() == null
                            ? null
                            : ORDER.compare(last.end(), range.end()) >= 0 ? last.end() : range.end();
                    merged.set(merged.size() - 1, new Range(last.start(), end));
                    continue;
                }
            }
            merged.add(range);
        }
        return merged;
    }

    /** {@code ranges} (sorted, disjoint) with every key of {@code keys} (sorted) cut out. */
    private static List<Range> cutOut(List<Range> ranges, Iterable<ByteString> keys) {
        List<Range> out = new ArrayList<>();
        for (Range range : ranges) {
            Range rest = range;
            for (ByteString key : keys) {
                if (rest.contains(key)) {
                    Range before = new Range(rest.start(), key);
                    if (!before.isEmpty()) {
                        out.add(before);
                    }
                    rest = new Range(successor(key), rest.end());
                }
            }
            if (!rest.isEmpty()) {
                out.add(rest);
            }
        }
        return out;
    }
}
