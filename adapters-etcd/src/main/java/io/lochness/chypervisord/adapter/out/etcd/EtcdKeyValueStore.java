package io.lochness.chypervisord.adapter.out.etcd;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.AuthGrpc;
import io.etcd.jetcd.api.AuthenticateRequest;
import io.etcd.jetcd.api.Compare;
import io.etcd.jetcd.api.DeleteRangeRequest;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.api.TxnResponse;
import io.etcd.jetcd.resolver.IPNameResolver;
import io.etcd.jetcd.resolver.IPResolverProvider;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ConnectivityState;
import io.grpc.Deadline;
import io.grpc.ForwardingClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.NameResolverRegistry;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.lochness.chypervisord.domain.model.StoreUnavailableException;
import io.lochness.chypervisord.domain.port.out.KeyValue;
import io.lochness.chypervisord.domain.port.out.KeyValueStore;
import io.lochness.chypervisord.domain.port.out.Snapshot;
import io.lochness.chypervisord.domain.port.out.Txn;
import io.lochness.chypervisord.domain.port.out.TxnResult;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import javax.net.ssl.SSLException;

/**
 * The etcd v3 store: implements {@link KeyValueStore} with one etcd gRPC request per call.
 *
 * <p><b>How it talks to etcd.</b> A {@code PrefixEmpty} condition must be evaluated inside the
 * transaction, atomically with its writes, which etcd supports with a <em>range compare</em>: a
 * {@link Compare} whose {@code range_end} is set is checked against every key in {@code [key,
 * range_end)}, and an empty range compares as one absent key. jetcd's {@code Cmp} has no range
 * end and its {@code KV} client builds the {@code TxnRequest} itself, and jetcd keeps its gRPC
 * channel private. So this adapter builds its own gRPC channel (grpc-netty, plain HTTP/2 or
 * TLS) and sends the etcd v3 messages generated in jetcd ({@code io.etcd.jetcd.api}: {@link
 * KVGrpc}, {@link AuthGrpc}, {@link Compare} ...) directly; jetcd's {@code ip:///} name resolver
 * spreads the channel over the configured endpoints (pick-first: it fails over to the next
 * member when one is down). This also gives exact control of every request: one RPC per port
 * call, a gRPC deadline on each, and no hidden client-side retries of a transaction.
 *
 * <p><b>Mapping.</b> {@link #read} is one linearizable range request over the prefix, returning
 * each key's {@code mod_revision} and the response header's revision. {@link #commit} is one etcd
 * {@code Txn}: {@code KeyAt(k, r > 0)} compares {@code mod_revision == r}, {@code KeyAt(k, 0)}
 * compares {@code create_revision == 0} (absent), {@code PrefixEmpty(p)} compares {@code
 * create_revision == 0} over {@code [p, prefixEnd(p))}. The mutations go in the success branch
 * as puts and (ranged) deletes. etcd refuses a transaction that writes one key twice or puts a
 * key inside a range it also deletes; since the port applies mutations in order, they are first
 * reduced to their net effect (last put of a key wins, a delete drops earlier puts, a later put
 * is cut out of an earlier delete range), which etcd applies identically. Keys are stored
 * exactly as given, as UTF-8 bytes, with no namespace.
 *
 * <p><b>Limits.</b> {@link #maxTxnOperations()} is 128, etcd's default {@code --max-txn-ops}
 * (etcd counts compares and success operations separately, each against that limit; the port
 * counts both together, which stays within it). A request larger than etcd's {@code
 * --max-request-bytes} (1.5 MiB by default) is refused by etcd and reported as unavailable.
 * Responses up to 64 MiB are accepted.
 *
 * <p><b>Failures.</b> Every call carries a deadline ({@link EtcdSettings#deadline()}, 3 s by
 * default) and waits for a connection only until then; a down, partitioned or erroring etcd
 * makes it throw {@link StoreUnavailableException}. A call whose thread is interrupted throws
 * it too, with the interrupt flag restored. Construction never connects: the channel connects
 * on the first call and reconnects by itself, and a call made while the channel is backing off
 * after failures asks it to retry at once, so the store works as soon as etcd answers again.
 *
 * <p><b>Security.</b> {@code https} endpoints use TLS verified against the JVM's default trust
 * store. With a username, the store authenticates with etcd's {@code Authenticate} RPC, sends
 * the token with every request, and authenticates again once when etcd says the token expired.
 *
 * <p>Each call is logged at {@code DEBUG} through {@link System.Logger} with its duration.
 */
public final class EtcdKeyValueStore implements KeyValueStore {

    /** etcd's default {@code --max-txn-ops}: the most compares, or operations, in one Txn. */
    public static final int MAX_TXN_OPERATIONS = 128;

    private static final System.Logger LOG = System.getLogger(EtcdKeyValueStore.class.getName());
    private static final int MAX_INBOUND_BYTES = 64 * 1024 * 1024;
    private static final Metadata.Key<String> TOKEN =
            Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER);
    private static final ByteString ZERO = ByteString.copyFrom(new byte[] {0});
    private static final ByteString PING_KEY = ByteString.copyFromUtf8("health");
    private static final Comparator<ByteString> BYTES = ByteString.unsignedLexicographicalComparator();

    /** The Range call decoded by {@link RangeDecoder}, every key kept. */
    private static final MethodDescriptor<RangeRequest, RangeDecoder.Range> ALL_KEYS = RangeDecoder.method(null);

    static {
        // gRPC's netty would read whole range responses (12 MB for the list of 10,000 hypervisors)
        // into direct memory: outside the heap limit, in RSS, and when it runs out, calls fail
        // with UNKNOWN. On the heap they are bounded by -Xmx and collected like the rest. Set
        // before netty's first use; -Dio.netty.noPreferDirect=false on the command line wins.
        if (System.getProperty("io.netty.noPreferDirect") == null) {
            System.setProperty("io.netty.noPreferDirect", "true");
        }
    }

    private final EtcdSettings settings;
    private final ManagedChannel channel;
    private final KVGrpc.KVBlockingStub kv;
    private final AuthGrpc.AuthBlockingStub auth;
    private final Object authLock = new Object();
    private volatile String token;

    /**
     * A store on the etcd cluster described by {@code settings}. Does not connect: etcd may be
     * down now and come up later.
     */
    public EtcdKeyValueStore(EtcdSettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
        registerResolver();
        NettyChannelBuilder builder =
                NettyChannelBuilder.forTarget(IPNameResolver.SCHEME + ":///" + settings.hostPorts())
                        .defaultLoadBalancingPolicy("pick_first")
                        .maxInboundMessageSize(MAX_INBOUND_BYTES)
                        .keepAliveTime(30, TimeUnit.SECONDS)
                        .keepAliveTimeout(10, TimeUnit.SECONDS)
                        .intercept(new TokenInterceptor());
        if (settings.tls()) {
            try {
                builder.sslContext(GrpcSslContexts.forClient().build());
            } catch (SSLException e) {
                throw new IllegalStateException("cannot set up TLS for etcd: " + e.getMessage(), e);
            }
        } else {
            builder.usePlaintext();
        }
        this.channel = builder.build();
        // Blocking stubs: the calling (virtual) thread waits on gRPC's thread-less executor and
        // runs the call's callbacks itself, decoding included. A future stub would run them on
        // gRPC's shared pool first, and then wake the caller: one more thread hand-off for every
        // call, about a third of the service's CPU per PATCH on a loaded 2-core machine.
        this.kv = KVGrpc.newBlockingStub(channel).withWaitForReady();
        this.auth = AuthGrpc.newBlockingStub(channel).withWaitForReady();
        LOG.log(Level.DEBUG, () -> "etcd store created for " + settings);
    }

    /** A store for a {@code --kv} address, credentials from {@code env}; see {@link EtcdSettings#parse}. */
    public static EtcdKeyValueStore forAddress(String address, Map<String, String> env) {
        return new EtcdKeyValueStore(EtcdSettings.parse(address, env));
    }

    /** The settings this store was created with. */
    public EtcdSettings settings() {
        return settings;
    }

    @Override
    public String name() {
        return "etcd";
    }

    @Override
    public Snapshot read(String prefix) {
        return read(prefix, null, ALL_KEYS);
    }

    /** {@inheritDoc} The other keys are skipped as the response is decoded (see {@link RangeDecoder}). */
    @Override
    public Snapshot read(String prefix, String keySuffix) {
        Objects.requireNonNull(keySuffix, "keySuffix");
        return read(prefix, keySuffix, RangeDecoder.method(keySuffix));
    }

    private Snapshot read(String prefix, String keySuffix, MethodDescriptor<RangeRequest, RangeDecoder.Range> method) {
        Objects.requireNonNull(prefix, "prefix");
        ByteString bytes = ByteString.copyFromUtf8(prefix);
        RangeRequest request =
                RangeRequest.newBuilder().setKey(rangeStart(bytes)).setRangeEnd(prefixEnd(bytes)).build();
        long start = System.nanoTime();
        RangeDecoder.Range range = call("read " + prefix, start, d -> ClientCalls.blockingUnaryCall(
                channel, method, CallOptions.DEFAULT.withWaitForReady().withDeadline(d), request));
        Snapshot snapshot = new Snapshot(range.entries(), range.revision());
        LOG.log(
                Level.DEBUG,
                () -> "etcd read '" + prefix + "'" + (keySuffix == null ? "" : " (keys ending '" + keySuffix + "')")
                        + ": " + range.entries().size() + " of " + range.total() + " keys at revision "
                        + snapshot.revision() + " in " + millis(start) + " ms");
        return snapshot;
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException when the transaction holds more than {@value
     *     #MAX_TXN_OPERATIONS} operations
     */
    @Override
    public TxnResult commit(Txn txn) {
        Objects.requireNonNull(txn, "txn");
        if (txn.size() > MAX_TXN_OPERATIONS) {
            throw new IllegalArgumentException(
                    "transaction of " + txn.size() + " operations exceeds etcd's limit of "
                            + MAX_TXN_OPERATIONS);
        }
        TxnRequest.Builder request = TxnRequest.newBuilder();
        for (Txn.Condition condition : txn.conditions()) {
            request.addCompare(compare(condition));
        }
        List<RequestOp> ops = new ArrayList<>(netEffect(txn.mutations()));
        if (txn.readBack() != null) {
            // After the writes: etcd applies a Txn's operations in order, so the range sees them.
            ByteString prefix = ByteString.copyFromUtf8(txn.readBack());
            ops.add(RequestOp.newBuilder()
                    .setRequestRange(RangeRequest.newBuilder()
                            .setKey(rangeStart(prefix))
                            .setRangeEnd(prefixEnd(prefix)))
                    .build());
        }
        if (ops.size() > MAX_TXN_OPERATIONS) {
            throw new IllegalArgumentException(
                    "transaction needs " + ops.size() + " etcd operations once its puts are cut out"
                            + " of its deletes, more than etcd's limit of " + MAX_TXN_OPERATIONS);
        }
        request.addAllSuccess(ops);
        TxnRequest built = request.build();
        long start = System.nanoTime();
        TxnResponse response = call("commit", start, d -> kv.withDeadline(d).txn(built));
        TxnResult result;
        if (!response.getSucceeded()) {
            result = TxnResult.conflict();
        } else if (txn.readBack() == null) {
            result = TxnResult.committed(response.getHeader().getRevision());
        } else {
            RangeResponse range = response.getResponses(response.getResponsesCount() - 1).getResponseRange();
            List<KeyValue> read = new ArrayList<>(range.getKvsCount());
            for (io.etcd.jetcd.api.KeyValue kv : range.getKvsList()) {
                read.add(new KeyValue(kv.getKey().toStringUtf8(), kv.getValue().toStringUtf8(), kv.getModRevision()));
            }
            result = TxnResult.committed(response.getHeader().getRevision(), read);
        }
        LOG.log(
                Level.DEBUG,
                () -> "etcd commit of " + txn.conditions().size() + " conditions, "
                        + txn.mutations().size() + " mutations: "
                        + (result.committed() ? "committed at revision " + result.revision() : "conflict")
                        + " in " + millis(start) + " ms");
        return result;
    }

    /** {@value #MAX_TXN_OPERATIONS}: etcd's default {@code --max-txn-ops}. */
    @Override
    public int maxTxnOperations() {
        return MAX_TXN_OPERATIONS;
    }

    /** A Txn's success branch holds a range after the writes. */
    @Override
    public boolean readsInTxn() {
        return true;
    }

    /** A linearizable, count-only range on the key {@code health}, as {@code etcdctl endpoint health} does. */
    @Override
    public void ping() {
        RangeRequest request = RangeRequest.newBuilder().setKey(PING_KEY).setCountOnly(true).build();
        long start = System.nanoTime();
        RangeResponse response = call("ping", start, d -> kv.withDeadline(d).range(request));
        LOG.log(
                Level.DEBUG,
                () -> "etcd ping: revision " + response.getHeader().getRevision() + " in "
                        + millis(start) + " ms");
    }

    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(settings.deadline().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LOG.log(Level.DEBUG, () -> "etcd store closed for " + settings.hostPorts());
    }

    @Override
    public String toString() {
        return "EtcdKeyValueStore[" + settings.hostPorts() + "]";
    }

    // ---- requests ---------------------------------------------------------------------------

    private static Compare compare(Txn.Condition condition) {
        return switch (condition) {
            case Txn.KeyAt keyAt when keyAt.revision() > 0 ->
                    Compare.newBuilder()
                            .setKey(ByteString.copyFromUtf8(keyAt.key()))
                            .setTarget(Compare.CompareTarget.MOD)
                            .setResult(Compare.CompareResult.EQUAL)
                            .setModRevision(keyAt.revision())
                            .build();
            case Txn.KeyAt keyAt ->
                    Compare.newBuilder()
                            .setKey(ByteString.copyFromUtf8(keyAt.key()))
                            .setTarget(Compare.CompareTarget.CREATE)
                            .setResult(Compare.CompareResult.EQUAL)
                            .setCreateRevision(0)
                            .build();
            case Txn.Present present ->
                    Compare.newBuilder()
                            .setKey(ByteString.copyFromUtf8(present.key()))
                            .setTarget(Compare.CompareTarget.CREATE)
                            .setResult(Compare.CompareResult.GREATER)
                            .setCreateRevision(0)
                            .build();
            case Txn.PrefixEmpty empty -> {
                ByteString prefix = ByteString.copyFromUtf8(empty.prefix());
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
            return BYTES.compare(start, key) <= 0 && (end == null || BYTES.compare(key, end) < 0);
        }

        boolean isEmpty() {
            return end != null && BYTES.compare(start, end) >= 0;
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
    private static List<RequestOp> netEffect(List<Txn.Mutation> mutations) {
        TreeMap<ByteString, ByteString> puts = new TreeMap<>(BYTES);
        List<Range> deletes = new ArrayList<>();
        for (Txn.Mutation mutation : mutations) {
            switch (mutation) {
                case Txn.Put put ->
                        puts.put(ByteString.copyFromUtf8(put.key()), ByteString.copyFromUtf8(put.value()));
                case Txn.Delete delete -> {
                    Range range = Range.single(ByteString.copyFromUtf8(delete.key()));
                    puts.remove(range.start());
                    deletes.add(range);
                }
                case Txn.DeletePrefix deletePrefix -> {
                    Range range = Range.prefix(ByteString.copyFromUtf8(deletePrefix.prefix()));
                    puts.keySet().removeIf(range::contains);
                    deletes.add(range);
                }
            }
        }
        List<RequestOp> ops = new ArrayList<>();
        for (Range range : cutOut(merge(deletes), puts.keySet())) {
            ops.add(range.toOp());
        }
        puts.forEach(
                (key, value) ->
                        ops.add(
                                RequestOp.newBuilder()
                                        .setRequestPut(PutRequest.newBuilder().setKey(key).setValue(value))
                                        .build()));
        return ops;
    }

    /** The union of {@code ranges} as sorted, disjoint, non-adjacent ranges. */
    private static List<Range> merge(List<Range> ranges) {
        List<Range> sorted = new ArrayList<>(ranges);
        sorted.sort((a, b) -> BYTES.compare(a.start(), b.start()));
        List<Range> merged = new ArrayList<>();
        for (Range range : sorted) {
            if (!merged.isEmpty()) {
                Range last = merged.get(merged.size() - 1);
                if (last.end() == null || BYTES.compare(range.start(), last.end()) <= 0) {
                    ByteString end =
                            last.end() == null || range.end() == null
                                    ? null
                                    : BYTES.compare(last.end(), range.end()) >= 0 ? last.end() : range.end();
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

    /** The first key of a prefix range: the prefix, or {@code \0} for the empty prefix (etcd refuses an empty key). */
    private static ByteString rangeStart(ByteString prefix) {
        return prefix.isEmpty() ? ZERO : prefix;
    }

    /** etcd's prefix range end: the prefix with its last non-0xff byte incremented, or {@code \0} for "no end". */
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
    private static ByteString successor(ByteString key) {
        return key.concat(ZERO);
    }

    // ---- calls ------------------------------------------------------------------------------

    /**
     * Runs one RPC under the store's deadline, authenticating first when needed (and once more
     * when etcd reports an expired token), and turns every failure into {@link
     * StoreUnavailableException}.
     */
    private <T> T call(String what, long start, Function<Deadline, T> rpc) {
        Deadline deadline = Deadline.after(settings.deadline().toNanos(), TimeUnit.NANOSECONDS);
        kickReconnect();
        try {
            String used = settings.authenticated() ? authenticate(deadline) : null;
            try {
                return rpc.apply(deadline);
            } catch (StatusRuntimeException e) {
                if (used == null || e.getStatus().getCode() != Status.Code.UNAUTHENTICATED) {
                    throw e;
                }
                invalidate(used);
                authenticate(deadline);
                return rpc.apply(deadline);
            }
        } catch (StatusRuntimeException e) {
            // gRPC enforces the deadline itself (DEADLINE_EXCEEDED), also while waiting for a
            // connection; an interrupt cancels the call and comes back as CANCELLED.
            throw failure(what, start, describe(e.getStatus()), e);
        }
    }

    /**
     * One line for clients, health details and logs: gRPC's description can carry a whole netty
     * stack trace, so only its first line (at most 200 characters) is kept; the cause keeps the rest.
     */
    private String describe(Status status) {
        String description = status.getDescription();
        if (description != null) {
            int newline = description.indexOf('\n');
            if (newline >= 0) {
                description = description.substring(0, newline);
            }
            if (description.length() > 200) {
                description = description.substring(0, 200) + "...";
            }
        }
        String detail = status.getCode() + (description == null ? "" : ": " + description);
        return switch (status.getCode()) {
            // gRPC's deadline description is a dump of channel state; the deadline says it all.
            case DEADLINE_EXCEEDED -> "no answer within " + settings.deadline().toMillis() / 1000.0 + " s";
            case UNAVAILABLE, CANCELLED -> "not reachable (" + detail + ")";
            default -> "etcd answered " + detail;
        };    }

    private StoreUnavailableException failure(String what, long start, String reason, Throwable cause) {
        kickReconnect();
        String message = "etcd " + what + " failed at " + settings.hostPorts() + ": " + reason;
        LOG.log(Level.DEBUG, () -> message + " (after " + millis(start) + " ms)", cause);
        return new StoreUnavailableException(message, cause);
    }

    /** Makes a channel that is backing off after failed connects try again right away. */
    private void kickReconnect() {
        if (channel.getState(false) == ConnectivityState.TRANSIENT_FAILURE) {
            channel.resetConnectBackoff();
        }
    }

    /** The current auth token, obtained with {@code Authenticate} when there is none. */
    private String authenticate(Deadline deadline) {
        synchronized (authLock) {
            String current = token;
            if (current == null) {
                AuthenticateRequest request =
                        AuthenticateRequest.newBuilder()
                                .setName(settings.username())
                                .setPassword(settings.password())
                                .build();
                current = auth.withDeadline(deadline).authenticate(request).getToken();
                token = current;
                LOG.log(Level.DEBUG, () -> "etcd authenticated as " + settings.username());
            }
            return current;
        }
    }

    private void invalidate(String stale) {
        synchronized (authLock) {
            if (stale.equals(token)) {
                token = null;
            }
        }
    }

    private static long millis(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }

    /** jetcd registers its resolvers through a service file; make sure {@code ip:} is known even in a shaded jar. */
    private static void registerResolver() {
        NameResolverRegistry registry = NameResolverRegistry.getDefaultRegistry();
        synchronized (EtcdKeyValueStore.class) {
            if (registry.getProviderForScheme(IPNameResolver.SCHEME) == null) {
                registry.register(new IPResolverProvider());
            }
        }
    }

    /** Attaches the auth token to every request but {@code Authenticate} itself. */
    private final class TokenInterceptor implements ClientInterceptor {
        @Override
        public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
                MethodDescriptor<ReqT, RespT> method, CallOptions callOptions, Channel next) {
            ClientCall<ReqT, RespT> call = next.newCall(method, callOptions);
            String current = token;
            if (current == null || method.equals(AuthGrpc.getAuthenticateMethod())) {
                return call;
            }
            return new ForwardingClientCall.SimpleForwardingClientCall<>(call) {
                @Override
                public void start(Listener<RespT> listener, Metadata headers) {
                    headers.put(TOKEN, current);
                    super.start(listener, headers);
                }
            };
        }
    }
}
