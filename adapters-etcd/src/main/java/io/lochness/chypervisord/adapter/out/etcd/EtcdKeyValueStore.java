package io.lochness.chypervisord.adapter.out.etcd;

import static io.lochness.chypervisord.adapter.out.etcd.EtcdKeys.ORDER;
import static io.lochness.chypervisord.adapter.out.etcd.EtcdKeys.prefixEnd;
import static io.lochness.chypervisord.adapter.out.etcd.EtcdKeys.rangeStart;
import static io.lochness.chypervisord.adapter.out.etcd.EtcdKeys.successor;
import static io.lochness.chypervisord.adapter.out.etcd.EtcdKeys.utf8;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.AuthGrpc;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.LeaseGrantRequest;
import io.etcd.jetcd.api.LeaseGrantResponse;
import io.etcd.jetcd.api.LeaseGrpc;
import io.etcd.jetcd.api.MaintenanceGrpc;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.StatusRequest;
import io.etcd.jetcd.api.TxnResponse;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.api.WatchGrpc;
import io.etcd.jetcd.support.Util;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.lochness.chypervisord.adapter.out.kv.spi.CompactedException;
import io.lochness.chypervisord.adapter.out.kv.spi.KeyChange;
import io.lochness.chypervisord.adapter.out.kv.spi.KeyValueStore;
import io.lochness.chypervisord.adapter.out.kv.spi.Page;
import io.lochness.chypervisord.adapter.out.kv.spi.Snapshot;
import io.lochness.chypervisord.adapter.out.kv.spi.StoreAddress;
import io.lochness.chypervisord.adapter.out.kv.spi.Txn;
import io.lochness.chypervisord.adapter.out.kv.spi.TxnResult;
import io.lochness.chypervisord.adapter.out.kv.spi.Watch;
import io.lochness.chypervisord.adapter.out.kv.spi.WatchListener;
import io.lochness.chypervisord.domain.model.StoreUnavailableException;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The etcd v3 store: implements the key-value SPI with one etcd gRPC request per call (a watch:
 * one gRPC stream).
 *
 * <p><b>How it talks to etcd.</b> The adapter sends the etcd v3 messages generated in jetcd
 * ({@code io.etcd.jetcd.api}: {@link KVGrpc}, {@link WatchGrpc} ...) on its own channel ({@link
 * EtcdChannel}) with blocking stubs, rather than going through jetcd's {@code Client}: a guarded
 * transaction needs etcd's range compare, which jetcd's {@code Cmp} cannot express ({@link
 * EtcdTxns}); jetcd's futures would add a thread hand-off to every call (about a third of the
 * service's CPU per PATCH on a loaded 2-core machine); and this way each SPI call is exactly one
 * RPC under one deadline, with no hidden retry of a transaction. jetcd's pieces are used where
 * they cost nothing: its name resolver ({@link EtcdChannel}), its error matchers ({@link
 * EtcdErrors}) and its require-leader header for watches.
 *
 * <p><b>Duties, one class each.</b> {@link EtcdChannel}: endpoints, failover, TLS; {@link
 * EtcdAuth}: the token as call credentials; {@link EtcdTxns}: transaction building; {@link
 * EtcdErrors}: error translation; {@link EtcdCalls}: one call under one deadline, with its safe
 * retries; {@link EtcdWatch}: one watch stream.
 *
 * <p><b>Mapping.</b> {@link #read} is one linearizable range over the prefix; {@link #readPage}
 * a range with {@code limit} at a fixed {@code revision}, starting after the last key read;
 * {@link #currentRevision()} a linearizable count-only range of one key, read off the response
 * header; {@link #commit} one etcd {@code Txn}; {@link #watch} etcd's Watch API. Keys are stored
 * exactly as given, as UTF-8 bytes, with no namespace.
 *
 * <p><b>Limits.</b> {@link #maxTxnOperations()} is 128, etcd's default {@code --max-txn-ops}. A
 * request larger than etcd's {@code --max-request-bytes} (1.5 MiB by default) is refused by etcd
 * and reported as unavailable. Answers up to {@value #MAX_INBOUND_BYTES} bytes are accepted; a
 * page that would be larger is read again with fewer keys.
 *
 * <p><b>Failures.</b> Every call carries a deadline ({@link EtcdSettings#deadline()}, 3 s by
 * default) and waits for a connection only until then; a down, partitioned or erroring etcd
 * makes it throw {@link StoreUnavailableException} with a one-line message. A read whose
 * connection failed, or that met a leader election, is sent again (to the next member) while the
 * deadline allows; a transaction never is. An interrupted call throws it too, with the interrupt flag restored.
 * Construction never connects. With credentials, a call that etcd refuses for its token
 * (expired, or older than the last change to users and roles) authenticates again and is retried
 * once.
 */
public final class EtcdKeyValueStore implements KeyValueStore {

    /** etcd's default {@code --max-txn-ops}: the most compares, or operations, in one Txn. */
    public static final int MAX_TXN_OPERATIONS = EtcdTxns.MAX_TXN_OPERATIONS;

    /** The largest answer the channel accepts (gRPC's inbound message limit). */
    public static final int MAX_INBOUND_BYTES = 64 * 1024 * 1024;

    private static final System.Logger LOG = System.getLogger(EtcdKeyValueStore.class.getName());
    private static final ByteString PING_KEY = utf8("health");
    private static final Pattern VERSION = Pattern.compile("(\\d+)\\.(\\d+)\\.(\\d+).*");

    private final EtcdSettings settings;
    private final int maxInboundBytes;
    private final ManagedChannel channel;
    private final KVGrpc.KVBlockingStub kv;
    private final EtcdAuth auth;
    private final EtcdErrors errors;
    private final EtcdCalls calls;
    private final Set<EtcdWatch> watches = ConcurrentHashMap.newKeySet();
    private volatile Boolean progressNeedsConfirmation;

    /**
     * A store on the etcd cluster described by {@code settings}. Does not connect: etcd may be
     * down now and come up later.
     *
     * @throws IllegalArgumentException with a one-line message when a TLS file cannot be used
     */
    public EtcdKeyValueStore(EtcdSettings settings) {
        this(settings, MAX_INBOUND_BYTES);
    }

    /** A store that accepts answers up to {@code maxInboundBytes} (tests of the paging bound). */
    EtcdKeyValueStore(EtcdSettings settings, int maxInboundBytes) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.maxInboundBytes = maxInboundBytes;
        this.channel = EtcdChannel.open(settings, maxInboundBytes);
        this.auth = new EtcdAuth(settings, AuthGrpc.newBlockingStub(channel).withWaitForReady());
        // Blocking stubs: the calling (virtual) thread waits on gRPC's thread-less executor and
        // runs the call's callbacks itself, decoding included: no thread hand-off per call.
        this.kv = KVGrpc.newBlockingStub(channel).withWaitForReady().withCallCredentials(auth);
        this.errors = new EtcdErrors(settings.hostPorts(), settings.deadline());
        this.calls = new EtcdCalls(channel, auth, errors, settings.deadline());
        LOG.log(Level.DEBUG, () -> "etcd store created for " + settings);
    }

    /** A store for a {@code --kv} address, credentials and TLS files from {@code env}; see {@link EtcdSettings#parse}. */
    public static EtcdKeyValueStore forAddress(String address, Map<String, String> env) {
        return new EtcdKeyValueStore(EtcdSettings.parse(address, env));
    }

    /**
     * A store for a parsed {@code --kv} address ({@code etcd://}, {@code http(s)://}), credentials
     * and TLS files from {@code env}; see {@link EtcdSettings#from}.
     *
     * @throws IllegalArgumentException with a one-line message for anything unusable (the
     *     launcher prints it and exits 2)
     */
    public static EtcdKeyValueStore forAddress(StoreAddress address, Map<String, String> env) {
        return new EtcdKeyValueStore(EtcdSettings.from(address, env));
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
        Objects.requireNonNull(prefix, "prefix");
        RangeRequest request = EtcdTxns.prefixRange(prefix).build();
        long start = System.nanoTime();
        RangeResponse response = calls.call("read " + prefix, true, d -> kv.withDeadline(d).range(request));
        Snapshot snapshot = new Snapshot(EtcdTxns.entries(response.getKvsList()), response.getHeader().getRevision());
        LOG.log(Level.DEBUG, () -> "etcd read '" + prefix + "': " + snapshot.entries().size() + " keys at revision "
                + snapshot.revision() + " in " + millis(start) + " ms");
        return snapshot;
    }

    /**
     * {@inheritDoc}
     *
     * <p>One range request with {@code limit} and {@code revision}, from just after {@code
     * afterKey}. A page whose answer would exceed the channel's inbound message limit (gRPC
     * refuses it on receipt with {@code RESOURCE_EXHAUSTED}) is asked for again with half as
     * many keys, down to one; a single key over the limit makes the read fail, naming the key.
     */
    @Override
    public Page readPage(String prefix, String afterKey, long revision, int limit) {
        Objects.requireNonNull(prefix, "prefix");
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be positive: " + limit);
        }
        if (revision < 0) {
            throw new IllegalArgumentException("revision must not be negative: " + revision);
        }
        ByteString prefixBytes = utf8(prefix);
        ByteString first = rangeStart(prefixBytes);
        ByteString from = afterKey == null ? first : successor(utf8(afterKey));
        if (ORDER.compare(from, first) < 0) {
            from = first;
        }
        String what = "paged read of " + prefix;
        int askFor = limit;
        while (true) {
            RangeRequest request = RangeRequest.newBuilder()
                    .setKey(from)
                    .setRangeEnd(prefixEnd(prefixBytes))
                    .setLimit(askFor)
                    .setRevision(revision)
                    .build();
            long start = System.nanoTime();
            try {
                RangeResponse response = calls.rpc(true, d -> kv.withDeadline(d).range(request));
                long at = revision != 0 ? revision : response.getHeader().getRevision();
                Page page = new Page(EtcdTxns.entries(response.getKvsList()), at, response.getMore());
                int asked = askFor;
                LOG.log(Level.DEBUG, () -> "etcd " + what + ": " + page.entries().size() + " of at most " + asked
                        + " keys at revision " + at + " in " + millis(start) + " ms");
                return page;
            } catch (StatusRuntimeException e) {
                Status status = e.getStatus();
                if (EtcdErrors.isCompacted(status)) {
                    throw new CompactedException(errors.message(what, "revision " + revision + " has been compacted"),
                            compactRevision());
                }
                if (!EtcdErrors.isOverMessageLimit(status)) {
                    throw errors.unavailable(what, e);
                }
                if (askFor == 1) {
                    throw new StoreUnavailableException(errors.message(what, "key '" + firstKey(from, prefixBytes, revision)
                            + "' alone is larger than the " + maxInboundBytes + "-byte message limit"), e);
                }
                // Over gRPC's inbound message limit: ask again for fewer keys.
                askFor = Math.max(1, askFor / 2);
                int next = askFor;
                LOG.log(Level.DEBUG, () -> "etcd " + what + ": answer over the message limit, asking for " + next + " keys");
            }
        }
    }

    /** A linearizable count-only range on one key; the revision is the response header's. */
    @Override
    public long currentRevision() {
        return countOnly("current revision").getHeader().getRevision();
    }

    /**
     * {@inheritDoc}
     *
     * <p>Returns once etcd has created the watch (or after the deadline, the watch then telling
     * its listener how it goes). One {@code Watch} stream per watch, with etcd's require-leader header (a member cut off
     * from its cluster ends the watch rather than falling silent). Its events, progress and end
     * are told as {@link EtcdWatch} describes.
     *
     * @throws StoreUnavailableException when the store has credentials and cannot authenticate;
     *     any other failure is told to the listener
     */
    @Override
    public Watch watch(String prefix, long fromRevision, WatchListener listener) {
        Objects.requireNonNull(prefix, "prefix");
        Objects.requireNonNull(listener, "listener");
        if (fromRevision < 0) {
            throw new IllegalArgumentException("fromRevision must not be negative: " + fromRevision);
        }
        boolean confirm = progressNeedsConfirmation();
        String token = calls.call("watch " + prefix, true, auth::token);
        ByteString bytes = utf8(prefix);
        WatchCreateRequest create = WatchCreateRequest.newBuilder()
                .setKey(rangeStart(bytes))
                .setRangeEnd(prefixEnd(bytes))
                .setStartRevision(fromRevision)
                .build();
        WatchGrpc.WatchStub stub = Util.applyRequireLeader(true, WatchGrpc.newStub(channel).withCallCredentials(auth));
        Function<Throwable, StoreUnavailableException> failure = t -> {
            if (EtcdErrors.needsNewToken(Status.fromThrowable(t)) || EtcdErrors.watchRefusedForToken(t)) {
                auth.invalidate(token); // the owner's next watch authenticates again
            }
            return errors.unavailable("watch " + prefix, t);
        };
        WatchCreateRequest probe = confirm && fromRevision != 0 ? probe(prefix) : null;
        EtcdWatch watch = new EtcdWatch(stub, create, prefix, listener, confirm, probe, failure, watches::remove);
        watches.add(watch);
        watch.awaitStarted(settings.deadline().toMillis());
        LOG.log(Level.DEBUG, () -> "etcd watch on '" + prefix + "' from revision " + fromRevision
                + (confirm ? " (progress confirmed twice, etcd#15220)" : ""));
        return watch;
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
        var request = EtcdTxns.request(txn);
        long start = System.nanoTime();
        TxnResponse response = calls.call("commit", false, d -> kv.withDeadline(d).txn(request));
        TxnResult result = EtcdTxns.result(txn, response);
        LOG.log(Level.DEBUG, () -> "etcd commit of " + txn.conditions().size() + " conditions, "
                + txn.mutations().size() + " mutations: "
                + (result.committed() ? "committed at revision " + result.revision() : "conflict")
                + " in " + millis(start) + " ms");
        return result;
    }

    /**
     * etcd only, for {@code chypervisord migrate-v2}: {@link #commit(Txn)} with each put of a key
     * in {@code ttlSeconds} attached to a fresh lease of that many seconds, so a copied v2 key
     * with a TTL (an agent's heartbeat) expires in v3 when it would have in v2. The SPI has no
     * leases because the service never writes a key that expires (heartbeats are the agents'),
     * and Consul's sessions are not leases; this is the one caller that needs one. A lease whose
     * transaction does not commit is left to expire on its own (at most its TTL).
     */
    public TxnResult commitWithLeases(Txn txn, Map<String, Long> ttlSeconds) {
        Objects.requireNonNull(txn, "txn");
        Map<String, Long> leases = new java.util.HashMap<>();
        LeaseGrpc.LeaseBlockingStub lease = LeaseGrpc.newBlockingStub(channel).withWaitForReady().withCallCredentials(auth);
        for (Map.Entry<String, Long> e : ttlSeconds.entrySet()) {
            LeaseGrantResponse granted = calls.call("lease grant", false,
                    d -> lease.withDeadline(d).leaseGrant(LeaseGrantRequest.newBuilder().setTTL(e.getValue()).build()));
            if (!granted.getError().isEmpty()) {
                throw new StoreUnavailableException("etcd refused a lease of " + e.getValue() + " s: " + granted.getError());
            }
            leases.put(e.getKey(), granted.getID());
        }
        var request = EtcdTxns.request(txn, leases);
        TxnResponse response = calls.call("commit", false, d -> kv.withDeadline(d).txn(request));
        return EtcdTxns.result(txn, response);
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

    /** A range compare in the Txn checks the prefix atomically with the writes. */
    @Override
    public boolean prefixConditionAtomic() {
        return true;
    }

    /** A linearizable, count-only range on the key {@code health}, as {@code etcdctl endpoint health} does. */
    @Override
    public void ping() {
        countOnly("ping");
    }

    @Override
    public void close() {
        for (EtcdWatch watch : List.copyOf(watches)) {
            watch.close();
        }
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

    /**
     * Whether the server has etcd#15220 (see {@link EtcdWatch}): asked once with {@code
     * Maintenance.Status}; when that fails, assumed (and asked again next time).
     */
    private boolean progressNeedsConfirmation() {
        Boolean known = progressNeedsConfirmation;
        if (known != null) {
            return known;
        }
        try {
            String version = calls.call("status", true, d -> MaintenanceGrpc.newBlockingStub(channel)
                    .withWaitForReady().withCallCredentials(auth).withDeadline(d)
                    .status(StatusRequest.getDefaultInstance())).getVersion();
            boolean needs = !progressOrderFixed(version);
            progressNeedsConfirmation = needs;
            LOG.log(Level.DEBUG, () -> "etcd server version " + version
                    + (needs ? ": watch progress confirmed twice (etcd#15220)" : ""));
            return needs;
        } catch (StoreUnavailableException e) {
            return true;
        }
    }

    /**
     * The probe of a watch from a past revision on a server with etcd#15220 (see {@link
     * EtcdWatch}): a watch of the first key under the prefix from its last modification, which
     * etcd answers in a catch-up pass. Null when the prefix is empty or cannot be read.
     */
    private WatchCreateRequest probe(String prefix) {
        RangeRequest first = EtcdTxns.prefixRange(prefix).setLimit(1).setKeysOnly(true).build();
        RangeResponse response;
        try {
            response = calls.call("watch probe of " + prefix, true, d -> kv.withDeadline(d).range(first));
        } catch (StoreUnavailableException e) {
            return null; // the watch's own stream will say what is wrong
        }
        if (response.getKvsCount() == 0) {
            return null;
        }
        io.etcd.jetcd.api.KeyValue kv = response.getKvs(0);
        return WatchCreateRequest.newBuilder()
                .setKey(kv.getKey())
                .setStartRevision(kv.getModRevision())
                .build();
    }

    /** Whether etcd {@code version} has the fixes of etcd#15220 and etcd#17507 (3.4.31, 3.5.13, 3.6). */
    static boolean progressOrderFixed(String version) {
        Matcher m = VERSION.matcher(version == null ? "" : version.strip());
        if (!m.matches()) {
            return false;
        }
        int major = Integer.parseInt(m.group(1));
        int minor = Integer.parseInt(m.group(2));
        int patch = Integer.parseInt(m.group(3));
        if (major != 3) {
            return major > 3;
        }
        return minor >= 6 || minor == 5 && patch >= 13 || minor == 4 && patch >= 31;
    }

    /**
     * etcd's compacted revision, which its "required revision has been compacted" error does not
     * carry: a watch from revision 1 on a key nobody writes is answered with it at once. 0 when it
     * cannot be learnt within the deadline.
     */
    private long compactRevision() {
        CompletableFuture<Long> compacted = new CompletableFuture<>();
        WatchListener probe = new WatchListener() {
            @Override
            public void onChanges(List<KeyChange> changes) {}

            @Override
            public void onProgress(long revision) {}

            @Override
            public void onCompacted(long compactRevision) {
                compacted.complete(compactRevision);
            }

            @Override
            public void onFailure(StoreUnavailableException cause) {
                compacted.complete(0L);
            }
        };
        try (Watch watch = watch(EtcdKeys.ZERO.toStringUtf8(), 1, probe)) {
            return compacted.get(settings.deadline().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        } catch (ExecutionException | TimeoutException | StoreUnavailableException e) {
            return 0;
        }
    }

    /** The first key at or after {@code from} under the prefix, for a failure message. */
    private String firstKey(ByteString from, ByteString prefix, long revision) {
        RangeRequest request = RangeRequest.newBuilder().setKey(from).setRangeEnd(prefixEnd(prefix))
                .setLimit(1).setKeysOnly(true).setRevision(revision).build();
        try {
            RangeResponse response = calls.rpc(true, d -> kv.withDeadline(d).range(request));
            return response.getKvsCount() == 0 ? from.toStringUtf8() : response.getKvs(0).getKey().toStringUtf8();
        } catch (StatusRuntimeException e) {
            return from.toStringUtf8();
        }
    }

    private RangeResponse countOnly(String what) {
        RangeRequest request = RangeRequest.newBuilder().setKey(PING_KEY).setCountOnly(true).build();
        long start = System.nanoTime();
        RangeResponse response = calls.call(what, true, d -> kv.withDeadline(d).range(request));
        LOG.log(Level.DEBUG, () -> "etcd " + what + ": revision " + response.getHeader().getRevision() + " in "
                + millis(start) + " ms");
        return response;
    }

    private static long millis(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }
}
