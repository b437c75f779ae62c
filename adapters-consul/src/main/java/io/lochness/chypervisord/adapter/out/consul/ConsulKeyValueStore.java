package io.lochness.chypervisord.adapter.out.consul;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lochness.chypervisord.adapter.out.kv.spi.CompactedException;
import io.lochness.chypervisord.adapter.out.kv.spi.KeyChange;
import io.lochness.chypervisord.adapter.out.kv.spi.KeyValue;
import io.lochness.chypervisord.adapter.out.kv.spi.KeyValueStore;
import io.lochness.chypervisord.adapter.out.kv.spi.Page;
import io.lochness.chypervisord.adapter.out.kv.spi.Snapshot;
import io.lochness.chypervisord.adapter.out.kv.spi.Txn;
import io.lochness.chypervisord.adapter.out.kv.spi.TxnResult;
import io.lochness.chypervisord.adapter.out.kv.spi.Watch;
import io.lochness.chypervisord.adapter.out.kv.spi.WatchListener;
import io.lochness.chypervisord.domain.model.InvalidInputException;
import io.lochness.chypervisord.domain.model.StoreUnavailableException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import okhttp3.Call;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSink;

/**
 * The key-value SPI on Consul's KV store, spoken over Consul's HTTP API (OkHttp and Jackson).
 *
 * <h2>Revisions</h2>
 *
 * <p>A revision is Consul's Raft index. A key's revision is its {@code ModifyIndex}. Consul
 * keeps the old {@code ModifyIndex} of a key set to the value it already has ({@code
 * kvsSetTxn}: "Skip further writing in the state store if the entry is not actually changed"), so
 * the writes of one transaction do not always share one new revision here; a commit returns the
 * largest {@code ModifyIndex} of its {@code set} results; a commit that deletes (Consul reports no
 * index for a delete) returns the KV table's index read right after it, at least the delete's own
 * (a lower bound, the largest index seen, only if that read fails). A prefix read's revision is its {@code
 * X-Consul-Index}: the largest {@code ModifyIndex} or tombstone index under the prefix, or the KV
 * table's index when the prefix has neither ({@code kvsListTxn}). Tombstones are reaped after
 * Consul's tombstone TTL, so a prefix's index can go <em>backwards</em>; the adapter treats that as
 * a compaction.
 *
 * <h2>What each call costs</h2>
 *
 * <ul>
 *   <li>{@link #read}: one {@code GET /v1/kv/{prefix}?recurse&consistent} (the leader checks it is
 *       still the leader with a quorum round before answering: never stale).
 *   <li>{@link #readPage}: Consul cannot read at a past index and has no range limit. A page at
 *       revision 0 is one {@code ?recurse&consistent} read of the whole prefix, which the adapter
 *       <b>keeps for {@value #KEEP_SECONDS} s after its last use</b> (at most {@value #MAX_KEPT}
 *       such reads), keyed by its index, to serve the following pages of the same paged read from
 *       memory, until a watch of the prefix starts from it. A page at any other revision than a
 *       kept one throws {@link CompactedException}: the caller loads again. At 800,000 keys (about 105 MB of JSON) that one read is the whole
 *       transfer of a load; it is parsed as a stream, never as one string.
 *   <li>{@link #currentRevision}: one {@code GET /v1/kv/{key}?consistent} of a single key, which
 *       Consul answers with the KV table's index ({@code kvsGetTxn}: "Get the table index"), at
 *       least as new as every KV write acknowledged before it and comparable with what a watch
 *       reports (both are Raft indexes). It costs the same at 800,000 keys as at none: one lookup
 *       and a body of at most one entry. The key read is the prefix most recently read or watched
 *       (a key the token may read), else {@value #PROBE_KEY}.
 *   <li>{@link #watch}: Consul blocking queries ({@code ?recurse&index=N&wait=...}) on the prefix,
 *       each answer diffed against the previous one. Every answer carries the <em>whole</em>
 *       prefix: at 800,000 keys each wake-up transfers about 105 MB. Consul coalesces: changes
 *       made between two answers arrive as one net difference (a key set twice is reported once,
 *       with its last value; a key created and deleted between two answers is not reported).
 *       Deletes are reported at the answer's index (Consul does not say when a key was deleted).
 *   <li>{@link #commit}: one {@code PUT /v1/txn}; with a {@link Txn.PrefixEmpty} and writes, one
 *       {@code GET /v1/kv/{prefix}?keys&consistent} before it (see below).
 * </ul>
 *
 * <h2>{@code PrefixEmpty}: not atomic on Consul ({@link #prefixConditionAtomic()} is false)</h2>
 *
 * <p>Consul's transaction has no verb that fails when a prefix holds keys ({@code
 * check-not-exists} and {@code check-index} test one exact key; {@code get-tree} only reads). For
 * a transaction with writes the adapter does the strongest thing Consul offers: a {@code
 * ?consistent} read of the prefix immediately before the transaction (a key there makes the
 * commit a conflict without sending anything; a read filtered by ACLs is an error, never an empty
 * answer), then, inside the transaction and before its writes, a {@code get-tree} of the prefix as
 * a witness. A {@code check-index} on the keys found would add nothing: the guard already fails
 * on any key found; what it cannot catch is a key that did not exist at the read. <b>The window
 * that remains</b>: a key created under the prefix after the consistent read was answered and
 * before the leader applies the transaction (one round trip to the agent plus the Raft commit) is
 * not prevented; for a hypervisor delete, a guest added in that window is deleted with its
 * hypervisor. The witness shows it and the adapter logs a WARNING naming the key. A transaction
 * without writes is exact (the {@code get-tree} decides, read with {@code ?consistent}).
 *
 * <h2>Failures</h2>
 *
 * <p>Each call has one deadline (default 3 s) covering all its requests; a read of a whole prefix
 * for a paged read or a watch gets ten times that (at 800,000 keys it is about 105 MB). Refused connections,
 * timeouts and 5xx (Consul's "No cluster leader") are {@link StoreUnavailableException}; so are
 * 403 (the token lacks a permission), 429 (Consul's rate limit; its {@code Retry-After} is in the
 * message), a read answered with {@code X-Consul-Results-Filtered-By-ACLs: true} (a partial
 * answer, refused) and a 409 whose errors are not failed checks (permission denied, malformed
 * operation). A value over {@link ConsulSettings.Limits#maxValueBytes()} or a transaction body
 * over {@link ConsulSettings.Limits#maxTxnBytes()} (values base64-encoded, as Consul counts them)
 * is refused before sending with {@link InvalidInputException} naming the limit, as is a 413 from
 * Consul. A 400 means the adapter built a request Consul rejects: {@link IllegalStateException}. A
 * transaction is never resent once started (lost answer: {@link StoreUnavailableException},
 * outcome unknown). Construction makes no request.
 */
public final class ConsulKeyValueStore implements KeyValueStore {

    /** The deadline of each call unless the constructor is given another. */
    public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(3);

    /** How long one blocking query of a watch waits for a change (Consul's default is 5 min). */
    public static final Duration DEFAULT_WATCH_WAIT = Duration.ofMinutes(5);

    /** The key {@link #currentRevision()} reads before any prefix was read or watched. */
    public static final String PROBE_KEY = "chypervisord/revision-probe";

    static final int KEEP_SECONDS = 60;
    static final int MAX_KEPT = 2;

    private static final System.Logger LOG = System.getLogger(ConsulKeyValueStore.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonFactory JSON_FACTORY = JSON.getFactory();
    private static final MediaType JSON_TYPE = MediaType.get("application/json");
    private static final String INDEX_HEADER = "X-Consul-Index";
    private static final String TOKEN_HEADER = "X-Consul-Token";
    static final String FILTERED_HEADER = "X-Consul-Results-Filtered-By-ACLs";
    private static final Set<String> CHECK_VERBS = Set.of("check-index", "check-not-exists", "get");

    private final ConsulSettings settings;
    private final ConsulSettings.Limits limits;
    private final Duration deadline;
    private final Duration watchWait;
    /** The deadline of a read of a whole watched or paged prefix (10 x the call deadline). */
    private final Duration bulkDeadline;
    private final HttpUrl base;
    private final OkHttpClient client;
    private final OkHttpClient watchClient;
    private final LinkedHashMap<String, Kept> kept = new LinkedHashMap<>();
    private final Map<String, Baseline> baselines = new ConcurrentHashMap<>();
    private final Set<ConsulWatch> watches = ConcurrentHashMap.newKeySet();
    private volatile String probeKey = PROBE_KEY;
    private volatile boolean closed;

    /** A store for {@code settings} with the {@link #DEFAULT_DEADLINE}; contacts nothing yet. */
    public ConsulKeyValueStore(ConsulSettings settings) {
        this(settings, DEFAULT_DEADLINE);
    }

    /** A store whose every call ends within {@code deadline}; contacts nothing yet. */
    public ConsulKeyValueStore(ConsulSettings settings, Duration deadline) {
        this(settings, deadline, DEFAULT_WATCH_WAIT);
    }

    /**
     * A store whose every call ends within {@code deadline} and whose watches' blocking queries
     * wait at most {@code watchWait}; contacts nothing yet, but reads the TLS files.
     *
     * @throws IllegalArgumentException when a TLS file is missing or unreadable (one line naming it)
     */
    public ConsulKeyValueStore(ConsulSettings settings, Duration deadline, Duration watchWait) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.limits = settings.limits();
        this.deadline = positive(deadline, "deadline");
        this.watchWait = positive(watchWait, "watchWait");
        this.bulkDeadline = deadline.multipliedBy(10);
        HttpUrl url = HttpUrl.get(settings.endpoint().toString());
        this.base = url.newBuilder().encodedPath("/").build();
        OkHttpClient.Builder builder =
                new OkHttpClient.Builder()
                        .connectTimeout(deadline)
                        .readTimeout(deadline)
                        .writeTimeout(deadline)
                        .callTimeout(deadline)
                        .followRedirects(false);
        if ("https".equals(url.scheme())) {
            ConsulTls.Material tls = ConsulTls.load(settings.tls());
            builder.sslSocketFactory(tls.socketFactory(), tls.trustManager());
            if (tls.serverNameChecked()) {
                // The socket factory connects in CONSUL_TLS_SERVER_NAME's name and the JDK checks
                // the certificate against it during the handshake; the URL's host is not that name.
                builder.hostnameVerifier((host, session) -> true);
            }
        }
        this.client = builder.build();
        // Jitter: Consul adds up to wait/16 to a blocking query's wait (agent/consul/rpc.go).
        Duration blockingRead = watchWait.plus(watchWait.dividedBy(16)).plus(deadline);
        this.watchClient = client.newBuilder().readTimeout(blockingRead).callTimeout(Duration.ZERO).build();
    }

    private static Duration positive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive: " + d);
        }
        return d;
    }

    @Override
    public String name() {
        return "consul";
    }

    @Override
    public int maxTxnOperations() {
        return limits.maxTxnOperations();
    }

    /** False: telling {@code get-tree} results from the writes' results is not reliable enough. */
    @Override
    public boolean readsInTxn() {
        return false;
    }

    /** False: see the class comment for the guard Consul gets and the window that remains. */
    @Override
    public boolean prefixConditionAtomic() {
        return false;
    }

    /** The settings this store was built with. */
    public ConsulSettings settings() {
        return settings;
    }

    /** The deadline of each call. */
    public Duration deadline() {
        return deadline;
    }

    // --- reads --------------------------------------------------------------------------------

    /** {@inheritDoc} One {@code ?recurse&consistent} read. */
    @Override
    public Snapshot read(String prefix) {
        Objects.requireNonNull(prefix, "prefix");
        notePrefix(prefix);
        Listing listing = list(prefix, startCall());
        long max = Math.max(listing.index(), 1);
        for (KeyValue kv : listing.entries()) {
            max = Math.max(max, kv.revision());
        }
        return new Snapshot(listing.entries(), max);
    }

    /**
     * {@inheritDoc}
     *
     * <p>On Consul: revision 0 reads the whole prefix once ({@code ?recurse&consistent}) and keeps
     * that read, keyed by its index, for {@value #KEEP_SECONDS} s after its last use; pages at that
     * index are served from it. Consul cannot read at any other past index: a page at a revision
     * that is not kept throws {@link CompactedException} (the caller loads again).
     */
    @Override
    public Page readPage(String prefix, String afterKey, long revision, int limit) {
        Objects.requireNonNull(prefix, "prefix");
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be positive: " + limit);
        }
        notePrefix(prefix);
        Kept snapshot;
        if (revision == 0) {
            startCall();
            Listing listing = list(prefix, System.nanoTime() + bulkDeadline.toNanos());
            long index = Math.max(listing.index(), 1);
            for (KeyValue kv : listing.entries()) {
                index = Math.max(index, kv.revision());
            }
            snapshot = keep(prefix, index, listing.entries());
        } else {
            startCall();
            snapshot = kept(prefix, revision);
            if (snapshot == null) {
                throw new CompactedException(
                        "consul cannot read "
                                + prefix
                                + " at index "
                                + revision
                                + ": Consul keeps no history and the paged read at that index is no longer kept;"
                                + " load again",
                        0);
            }
        }
        List<KeyValue> entries = snapshot.entries();
        int from = 0;
        if (afterKey != null) {
            int at = Arrays.binarySearch(snapshot.keys(), afterKey);
            from = at >= 0 ? at + 1 : -at - 1;
        }
        int to = (int) Math.min((long) from + limit, entries.size());
        return new Page(entries.subList(from, to), snapshot.index(), to < entries.size());
    }

    /**
     * {@inheritDoc}
     *
     * <p>On Consul: the {@code X-Consul-Index} of a {@code ?consistent} read of one key, which is
     * the KV table's index (the largest Raft index of any KV write or tombstone), whatever the key.
     * O(1) at any number of keys.
     */
    @Override
    public long currentRevision() {
        return tableIndex(probeKey, startCall());
    }

    private long tableIndex(String key, long until) {
        String readKey = key.isEmpty() ? PROBE_KEY : key;
        HttpUrl url = kvUrl(readKey).addQueryParameter("consistent", null).build();
        return exchange("revision read of " + readKey, client, get(url), until, response -> {
            if (response.code() != 200 && response.code() != 404) {
                throw failure(response, "revision read of key " + readKey);
            }
            long index = parseIndex(response.header(INDEX_HEADER));
            if (index <= 0) {
                throw new StoreUnavailableException(
                        "consul at " + base + " answered the revision read without an " + INDEX_HEADER);
            }
            return index;
        });
    }

    private void notePrefix(String prefix) {
        if (!prefix.isEmpty()) {
            probeKey = prefix;
        }
    }

    /** The entries under a prefix and the read's index: one consistent {@code ?recurse} read. */
    private record Listing(List<KeyValue> entries, long index) {}

    private Listing list(String prefix, long until) {
        HttpUrl url =
                kvUrl(prefix).addQueryParameter("recurse", null).addQueryParameter("consistent", null).build();
        String what = "read of " + prefix;
        return exchange(what, client, get(url), until, response -> {
            long index = parseIndex(response.header(INDEX_HEADER));
            refuseFiltered(response, prefix);
            if (response.code() == 404) {
                return new Listing(List.of(), index);
            }
            if (response.code() != 200) {
                throw failure(response, what);
            }
            List<KeyValue> entries = new ArrayList<>();
            parseEntries(response.body().byteStream(), what, (key, modifyIndex, value) ->
                    entries.add(new KeyValue(key, decode(value, what), modifyIndex)));
            entries.sort(Comparator.comparing(KeyValue::key));
            return new Listing(entries, index);
        });
    }

    // --- kept reads (paged reads and watch baselines) ------------------------------------------

    private record Kept(String prefix, long index, List<KeyValue> entries, String[] keys, long[] revisions) {}

    private final Map<String, Long> keptUse = new HashMap<>();

    private Kept keep(String prefix, long index, List<KeyValue> entries) {
        String[] keys = new String[entries.size()];
        long[] revisions = new long[entries.size()];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = entries.get(i).key();
            revisions[i] = entries.get(i).revision();
        }
        Kept k = new Kept(prefix, index, entries, keys, revisions);
        synchronized (kept) {
            expire();
            String id = prefix + '\u0000' + index;
            kept.put(id, k);
            keptUse.put(id, System.nanoTime());
            while (kept.size() > MAX_KEPT) {
                String oldest = kept.keySet().iterator().next();
                kept.remove(oldest);
                keptUse.remove(oldest);
            }
            if (!expiring) {
                // A kept read may be 100 MB: it goes when unused, even if no call comes again.
                expiring = true;
                Thread.ofVirtual().name("consul-kept-expiry").start(this::expireUntilEmpty);
            }
        }
        return k;
    }

    private boolean expiring;

    private void expireUntilEmpty() {
        while (true) {
            try {
                Thread.sleep(TimeUnit.SECONDS.toMillis(KEEP_SECONDS) / 4);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            synchronized (kept) {
                expire();
                if (kept.isEmpty() || closed || Thread.currentThread().isInterrupted()) {
                    kept.clear();
                    keptUse.clear();
                    expiring = false;
                    return;
                }
            }
        }
    }

    private Kept kept(String prefix, long index) {
        synchronized (kept) {
            expire();
            String id = prefix + '\u0000' + index;
            Kept k = kept.get(id);
            if (k != null) {
                keptUse.put(id, System.nanoTime());
            }
            return k;
        }
    }

    private void expire() {
        long now = System.nanoTime();
        Iterator<Map.Entry<String, Kept>> it = kept.entrySet().iterator();
        while (it.hasNext()) {
            String id = it.next().getKey();
            if (now - keptUse.getOrDefault(id, now) > TimeUnit.SECONDS.toNanos(KEEP_SECONDS)) {
                it.remove();
                keptUse.remove(id);
            }
        }
    }

    /**
     * What a watch diffs against: the keys under its prefix and their ModifyIndex, read at {@code
     * index}; a watch restarted by a caller at any revision in {@code [validFrom, validTo]} may
     * start from it (that caller has applied exactly this state: every change the earlier watch
     * delivered, nothing after its last answer or progress).
     */
    private record Baseline(long index, String[] keys, long[] revisions, long validFrom, long validTo) {
        Baseline(long index, String[] keys, long[] revisions) {
            this(index, keys, revisions, index, index);
        }

        long revisionOf(String key) {
            int at = Arrays.binarySearch(keys, key);
            return at >= 0 ? revisions[at] : -1;
        }

        Baseline valid(long from, long to) {
            return new Baseline(index, keys, revisions, from, to);
        }
    }

    /** The state under {@code prefix} as a caller at {@code index} has it, if this store knows it. */
    private Baseline baseline(String prefix, long index) {
        Kept k = kept(prefix, index);
        if (k != null) {
            // The watch that starts from a kept paged read ends that read: its values can go.
            synchronized (kept) {
                kept.remove(prefix + '\u0000' + index);
                keptUse.remove(prefix + '\u0000' + index);
            }
            return new Baseline(k.index(), k.keys(), k.revisions());
        }
        Baseline b = baselines.get(prefix);
        return b != null && b.validFrom() <= index && index <= b.validTo() ? b : null;
    }

    // --- watch --------------------------------------------------------------------------------

    /**
     * {@inheritDoc}
     *
     * <p>On Consul: blocking queries on the prefix, diffed (see the class comment). The watch
     * starts from the state at {@code fromRevision - 1} when this store holds it (a kept paged read
     * at that index, or where an earlier watch of the prefix ended); otherwise it reads the prefix
     * and, when anything under it changed at or after {@code fromRevision} (changes it cannot
     * reconstruct: Consul keeps no history), reports {@link WatchListener#onCompacted} with the
     * read's index (this first read runs on the caller's thread, so that a write made after {@code
     * watch} returns is after it). The changes of one answer come in one {@link
     * WatchListener#onChanges} call and only the state after the whole call is one Consul was in
     * (at the answer's index): apply it as a whole. Progress is reported after an answer without
     * changes, at its index, and when asked for ({@link Watch#requestProgress()}: a consistent read
     * of the KV table's index, then a read of the prefix's index that transfers a few bytes; the
     * blocking query in flight is cancelled, so the answer does not wait for its timeout). A prefix
     * index that goes backwards (tombstones reaped, a snapshot restored) is reported as a
     * compaction; any failure as one {@link WatchListener#onFailure}.
     */
    @Override
    public Watch watch(String prefix, long fromRevision, WatchListener listener) {
        Objects.requireNonNull(prefix, "prefix");
        Objects.requireNonNull(listener, "listener");
        startCall();
        notePrefix(prefix);
        long from = Math.max(fromRevision, 1);
        ConsulWatch watch = new ConsulWatch(prefix, from, listener, baseline(prefix, from - 1));
        watches.add(watch);
        watch.prime();
        Thread.ofVirtual().name("consul-watch " + prefix).start(watch::run);
        return watch;
    }

    /** The result of one read of a watched prefix, diffed against the watch's baseline. */
    private record Diff(long index, Baseline state, List<KeyChange> puts) {}

    private final class ConsulWatch implements Watch {
        private final String prefix;
        private final long from;
        private final WatchListener listener;
        private final Object lock = new Object();
        private final AtomicBoolean progressWanted = new AtomicBoolean();
        /** The blocking query in flight: requestProgress cancels it to make the loop answer soon. */
        private volatile Call blockingCall;
        /** Any read in flight: close cancels it. */
        private volatile Call anyCall;
        private volatile boolean ended;
        private Baseline state;
        private long lastProgress;
        /** The largest revision of a change delivered (from - 1 before any). */
        private long lastChange;
        private long requests;
        private long pendingTarget;
        private long pendingAfter;
        private boolean readNow;

        ConsulWatch(String prefix, long from, WatchListener listener, Baseline start) {
            this.prefix = prefix;
            this.from = from;
            this.listener = listener;
            this.state = start;
            this.lastChange = from - 1;
        }

        /** Remembers where this watch is, for a watch of the prefix restarted later. */
        private void save() {
            baselines.put(prefix, state.valid(lastChange, Math.max(Math.max(state.index(), lastProgress), from - 1)));
        }

        @Override
        public void requestProgress() {
            progressWanted.set(true);
            Call call = blockingCall;
            if (call != null) {
                call.cancel();
            }
        }

        @Override
        public void close() {
            synchronized (lock) {
                ended = true;
            }
            Call call = anyCall;
            if (call != null) {
                call.cancel();
            }
            watches.remove(this);
        }

        /** What the first read found that ends the watch at once: reported by {@link #run}. */
        private long compactedAt;
        private StoreUnavailableException primeFailure;

        /**
         * Without a baseline at {@code from - 1}, reads the prefix once on the caller's thread (a
         * write the caller makes after {@code watch} returns is then after the baseline). When
         * something under the prefix changed at or after {@code from}, Consul cannot say what was
         * deleted since then: the watch reports a compaction.
         */
        void prime() {
            if (state != null) {
                return;
            }
            try {
                Diff first = read(false, 0);
                if (first == null) {
                    return;
                }
                if (first.index() >= from) {
                    compactedAt = first.index();
                } else {
                    // Nothing under the prefix changed after the read's index: the state at from - 1.
                    state = first.state();
                    save();
                }
            } catch (StoreUnavailableException e) {
                primeFailure = e;
            } catch (RuntimeException e) {
                primeFailure = new StoreUnavailableException("consul watch of " + prefix + " failed: " + e, e);
            }
        }

        void run() {
            try {
                if (primeFailure != null) {
                    fail(primeFailure);
                    return;
                }
                if (compactedAt > 0) {
                    compacted(compactedAt);
                    return;
                }
                if (state == null) {
                    return; // closed while priming
                }
                while (!ended) {
                    if (progressWanted.getAndSet(false)) {
                        checkProgress();
                        continue;
                    }
                    boolean immediate = readNow;
                    readNow = false;
                    long seq = ++requests;
                    Diff diff = read(!immediate, state.index());
                    if (diff == null) {
                        continue; // cancelled by requestProgress or close
                    }
                    if (!apply(diff, seq)) {
                        return;
                    }
                }
            } catch (StoreUnavailableException e) {
                fail(e);
            } catch (RuntimeException e) {
                fail(new StoreUnavailableException("consul watch of " + prefix + " failed: " + e, e));
            } finally {
                watches.remove(this);
            }
        }

        /**
         * Learns the store's revision G, then whether anything under the prefix changed since the
         * last answer with one cheap read; if not, every change up to G is delivered.
         */
        private void checkProgress() {
            long until = System.nanoTime() + deadline.toNanos();
            long g = tableIndex(prefix, until);
            long prefixIndex = prefixIndexUpperBound(prefix, until);
            if (prefixIndex > 0 && prefixIndex <= state.index()) {
                progress(Math.max(g, state.index()));
            } else {
                // Changes to deliver first: the next read answers at once, and its answer (sent
                // after G was learned) covers G.
                pendingTarget = Math.max(pendingTarget, g);
                pendingAfter = requests;
                readNow = true;
            }
        }

        private boolean apply(Diff diff, long seq) {
            long index = diff.index();
            if (index < state.index()) {
                // Consul's blocking-query docs: "Reset the index if it goes backwards" (tombstones
                // reaped, snapshot restored): what changed meanwhile cannot be told.
                compacted(index);
                return false;
            }
            List<KeyChange> changes = new ArrayList<>();
            for (KeyChange put : diff.puts()) {
                if (put.revision() <= state.index() || put.revision() > index) {
                    compacted(index); // a ModifyIndex Consul could not have given: start again
                    return false;
                }
                if (put.revision() >= from) {
                    changes.add(put);
                }
            }
            if (index >= from) {
                Baseline next = diff.state();
                for (String key : state.keys()) {
                    if (Arrays.binarySearch(next.keys(), key) < 0) {
                        changes.add(KeyChange.delete(key, index));
                    }
                }
            }
            changes.sort(Comparator.comparingLong(KeyChange::revision));
            synchronized (lock) {
                if (ended) {
                    return false;
                }
                if (!changes.isEmpty()) {
                    listener.onChanges(changes);
                    lastChange = changes.get(changes.size() - 1).revision();
                }
                state = diff.state();
                // After an answer with changes their revisions say how far the watch is (the
                // largest is almost always the answer's index); progress is reported after an
                // answer without changes (a timeout, or writes elsewhere moving the index), and
                // whenever one was asked for.
                long progress = changes.isEmpty() ? index : 0;
                if (pendingTarget > 0 && seq > pendingAfter) {
                    progress = Math.max(index, pendingTarget);
                    pendingTarget = 0;
                }
                if (progress > lastProgress && progress >= from - 1) {
                    lastProgress = progress;
                    listener.onProgress(progress);
                }
                save();
            }
            return true;
        }

        private void progress(long revision) {
            synchronized (lock) {
                if (!ended) {
                    lastProgress = Math.max(lastProgress, revision);
                    listener.onProgress(lastProgress);
                    save();
                }
            }
        }

        private void compacted(long index) {
            synchronized (lock) {
                if (!ended) {
                    ended = true;
                    listener.onCompacted(Math.max(index, 1));
                }
            }
        }

        private void fail(StoreUnavailableException e) {
            synchronized (lock) {
                if (!ended) {
                    ended = true;
                    listener.onFailure(e);
                }
            }
        }

        /**
         * One read of the prefix, diffed against {@link #state} (empty when there is none yet):
         * blocking ({@code ?index=N&wait=}) in the loop, immediate and consistent otherwise.
         * Values are decoded only for keys whose ModifyIndex changed.
         */
        private Diff read(boolean blocking, long index) {
            HttpUrl.Builder url = kvUrl(prefix).addQueryParameter("recurse", null);
            if (blocking) {
                url.addQueryParameter("index", Long.toString(index))
                        .addQueryParameter("wait", watchWait.toMillis() + "ms");
            } else {
                url.addQueryParameter("consistent", null);
            }
            String what = "watch read of " + prefix;
            Call call = (blocking ? watchClient : client).newCall(get(url.build()));
            if (!blocking) {
                call.timeout().timeout(bulkDeadline.toNanos(), TimeUnit.NANOSECONDS);
            }
            anyCall = call;
            if (blocking) {
                blockingCall = call;
            }
            try {
                if (ended || (blocking && progressWanted.get())) {
                    return null;
                }
                try (Response response = call.execute()) {
                    long answered = parseIndex(response.header(INDEX_HEADER));
                    refuseFiltered(response, prefix);
                    if (response.code() != 200 && response.code() != 404) {
                        throw failure(response, what);
                    }
                    if (answered <= 0) {
                        throw new StoreUnavailableException(
                                "consul at " + base + " answered " + what + " without an " + INDEX_HEADER);
                    }
                    Baseline previous = state;
                    List<String> keys = new ArrayList<>();
                    List<Long> revisions = new ArrayList<>();
                    List<KeyChange> puts = new ArrayList<>();
                    if (response.code() == 200) {
                        parseEntries(response.body().byteStream(), what, (key, modifyIndex, value) -> {
                            keys.add(key);
                            revisions.add(modifyIndex);
                            if (previous != null && previous.revisionOf(key) != modifyIndex) {
                                puts.add(KeyChange.put(key, decode(value, what), modifyIndex));
                            }
                        });
                    }
                    return new Diff(answered, baselineOf(answered, keys, revisions), puts);
                }
            } catch (IOException e) {
                if (ended || (blocking && (progressWanted.get() || call.isCanceled()))) {
                    return null;
                }
                throw new StoreUnavailableException(
                        "consul at " + base + " broke " + what + ": " + e.getMessage(), e);
            } finally {
                blockingCall = null;
                anyCall = null;
            }
        }
    }

    private static Baseline baselineOf(long index, List<String> keys, List<Long> revisions) {
        Integer[] order = new Integer[keys.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparing(keys::get));
        String[] k = new String[order.length];
        long[] r = new long[order.length];
        for (int i = 0; i < order.length; i++) {
            k[i] = keys.get(order[i]);
            r[i] = revisions.get(order[i]);
        }
        return new Baseline(index, k, r);
    }

    /**
     * An upper bound of the prefix's {@code X-Consul-Index} that transfers a few bytes: a
     * consistent {@code ?keys} read of the prefix minus its last character, with that character as
     * the separator, so that every key under the prefix folds into the one entry {@code prefix}
     * (Consul's {@code KVSListKeys}). Its index covers every entry and tombstone under the shorter
     * prefix (so also under the prefix). Consul still walks the keys in memory (tens of
     * milliseconds at 800,000 keys). Returns -1 when it cannot tell (empty prefix, or refused).
     */
    private long prefixIndexUpperBound(String prefix, long until) {
        if (prefix.isEmpty()) {
            return -1;
        }
        String shorter = prefix.substring(0, prefix.length() - 1);
        String separator = prefix.substring(prefix.length() - 1);
        HttpUrl url =
                withDc(base.newBuilder().addPathSegments("v1/kv").addPathSegments(shorter))
                        .addQueryParameter("keys", null)
                        .addQueryParameter("separator", separator)
                        .addQueryParameter("consistent", null)
                        .build();
        return exchange("index read of " + prefix, client, get(url), until, response -> {
            if (response.code() == 403) {
                return -1L; // a token that may read only the prefix itself: fall back to a full read
            }
            if (response.code() != 200 && response.code() != 404) {
                throw failure(response, "index read of " + prefix);
            }
            return parseIndex(response.header(INDEX_HEADER));
        });
    }

    // --- commit -------------------------------------------------------------------------------

    @Override
    public TxnResult commit(Txn txn) {
        Objects.requireNonNull(txn, "txn");
        if (txn.size() > limits.maxTxnOperations()) {
            throw new IllegalArgumentException(
                    "a Consul transaction holds at most "
                            + limits.maxTxnOperations()
                            + " operations; this one has "
                            + txn.size());
        }
        if (txn.readBack() != null) {
            throw new IllegalArgumentException("the consul store reads nothing back in a transaction (readsInTxn is false)");
        }
        long until = startCall();
        if (txn.size() == 0) {
            return TxnResult.committed(1);
        }
        for (Txn.Mutation mutation : txn.mutations()) {
            if (mutation instanceof Txn.Put put) {
                int bytes = put.value().getBytes(StandardCharsets.UTF_8).length;
                if (bytes > limits.maxValueBytes()) {
                    throw new InvalidInputException(
                            "the value for "
                                    + put.key()
                                    + " is "
                                    + bytes
                                    + " bytes; the Consul store accepts at most "
                                    + limits.maxValueBytes()
                                    + " bytes per value (Consul's kv_max_value_size)");
                }
            }
        }
        boolean writes = !txn.mutations().isEmpty();
        long knownIndex = 1;

        // Conditions first (check-index, check-not-exists, get, then the get-tree witnesses), then
        // the mutations in the caller's order. Results come back in op order, only for set,
        // check-index and get (an echo of the checked key) and get-tree (one per key found): the
        // last results are the sets', the ones before are echoes and witnesses.
        List<String> guarded = new ArrayList<>();
        ArrayNode ops = JSON.createArrayNode();
        Map<String, Integer> echoes = new HashMap<>();
        for (Txn.Condition condition : txn.conditions()) {
            if (condition instanceof Txn.KeyAt keyAt && keyAt.revision() > 0) {
                op(ops, "check-index", keyAt.key()).put("Index", keyAt.revision());
                echoes.merge(keyAt.key() + '\u0000' + keyAt.revision(), 1, Integer::sum);
            }
        }
        for (Txn.Condition condition : txn.conditions()) {
            if (condition instanceof Txn.KeyAt keyAt && keyAt.revision() == 0) {
                op(ops, "check-not-exists", keyAt.key());
            }
        }
        // Consul has no check-exists verb; "get" fails the transaction when its key is missing
        // (state/txn.go: "key %q doesn't exist"), and echoes the key when it is there.
        Map<String, Integer> presentEchoes = new HashMap<>();
        for (Txn.Condition condition : txn.conditions()) {
            if (condition instanceof Txn.Present present) {
                op(ops, "get", present.key());
                presentEchoes.merge(present.key(), 1, Integer::sum);
            }
        }
        for (Txn.Condition condition : txn.conditions()) {
            if (condition instanceof Txn.PrefixEmpty empty) {
                guarded.add(empty.prefix());
                op(ops, "get-tree", empty.prefix());
            }
        }
        int setResults = 0;
        for (Txn.Mutation mutation : txn.mutations()) {
            switch (mutation) {
                case Txn.Put put -> {
                    op(ops, "set", put.key()).put("Value", encode(put.value()));
                    setResults++;
                }
                case Txn.Delete delete -> op(ops, "delete", delete.key());
                case Txn.DeletePrefix deletePrefix -> op(ops, "delete-tree", deletePrefix.prefix());
            }
        }
        byte[] body = ops.toString().getBytes(StandardCharsets.UTF_8);
        if (body.length > limits.maxTxnBytes()) {
            throw new InvalidInputException(
                    "the change is "
                            + body.length
                            + " bytes as Consul receives it (values base64-encoded); the Consul store accepts at most "
                            + limits.maxTxnBytes()
                            + " bytes per transaction (Consul's txn_max_req_len)");
        }

        // The guard reads, only when the transaction writes (see the class comment).
        if (writes) {
            for (String prefix : guarded) {
                GuardRead guard = guardRead(prefix, until);
                if (!guard.empty()) {
                    LOG.log(System.Logger.Level.DEBUG, () -> "consul txn: prefix " + prefix + " not empty, conflict without sending");
                    return TxnResult.conflict();
                }
                knownIndex = Math.max(knownIndex, guard.index());
            }
        }

        HttpUrl.Builder url = withDc(base.newBuilder().addPathSegments("v1/txn"));
        if (!writes) {
            // A read-only transaction goes to Consul's Txn.Read, which honours consistency modes.
            url.addQueryParameter("consistent", null);
        }
        Request request = authorize(new Request.Builder().url(url.build())).put(new OneShotJsonBody(body)).build();
        String what = "txn of " + ops.size() + " operations";
        Reply reply = exchange(what, client, request, until, response -> new Reply(
                response.code(), response.body().string(), parseIndex(response.header(INDEX_HEADER))));
        if (reply.code() == 409) {
            return conflictOrFailure(reply, ops);
        }
        if (reply.code() != 200) {
            throw failure(reply.code(), reply.body(), null, what);
        }
        JsonNode results = parse(reply, "txn").path("Results");
        List<JsonNode> list = new ArrayList<>();
        if (results.isArray()) {
            results.forEach(list::add);
        }
        if (list.size() < setResults) {
            throw unreadable(reply, "txn");
        }
        List<String> raced = new ArrayList<>();
        for (JsonNode node : list.subList(0, list.size() - setResults)) {
            String key = node.path("KV").path("Key").asText();
            long index = node.path("KV").path("ModifyIndex").asLong(0);
            knownIndex = Math.max(knownIndex, index);
            String id = key + '\u0000' + index;
            Integer left = echoes.get(id);
            if (left == null && presentEchoes.containsKey(key)) {
                presentEchoes.computeIfPresent(key, (k, n) -> n == 1 ? null : n - 1);
            } else if (left == null) {
                raced.add(key);
            } else if (left == 1) {
                echoes.remove(id);
            } else {
                echoes.put(id, left - 1);
            }
        }
        if (!raced.isEmpty()) {
            if (!writes) {
                LOG.log(System.Logger.Level.DEBUG, () -> "consul txn: keys under a guarded prefix " + raced);
                return TxnResult.conflict();
            }
            LOG.log(
                    System.Logger.Level.WARNING,
                    "consul txn committed although keys appeared under a prefix required empty,"
                            + " between the guard read and the transaction (Consul has no atomic prefix guard): "
                            + raced);
        }
        long setIndex = 0;
        for (JsonNode node : list.subList(list.size() - setResults, list.size())) {
            setIndex = Math.max(setIndex, node.path("KV").path("ModifyIndex").asLong(0));
        }
        boolean deletes = txn.mutations().stream().anyMatch(m -> !(m instanceof Txn.Put));
        if (!writes || (setIndex > 0 && !deletes)) {
            return TxnResult.committed(Math.max(setIndex, Math.max(knownIndex, reply.index())));
        }
        // Consul reports no index for a delete: the KV table's index read right after the commit
        // is at least the delete's own, so a reader that waits for this revision sees it.
        long after;
        try {
            after = tableIndex(probeKey, System.nanoTime() + deadline.toNanos());
        } catch (StoreUnavailableException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> "consul: index read after a delete failed, revision is a lower bound: " + e);
            after = 0;
        }
        return TxnResult.committed(Math.max(Math.max(setIndex, after), Math.max(knownIndex, reply.index())));
    }

    private record GuardRead(boolean empty, long index) {}

    /** A consistent {@code ?keys} read of a guarded prefix; an ACL-filtered answer is an error. */
    private GuardRead guardRead(String prefix, long until) {
        HttpUrl url = kvUrl(prefix).addQueryParameter("keys", null).addQueryParameter("consistent", null).build();
        String what = "guard read of " + prefix;
        return exchange(what, client, get(url), until, response -> {
            refuseFiltered(response, prefix);
            long index = parseIndex(response.header(INDEX_HEADER));
            if (response.code() == 404) {
                return new GuardRead(true, index);
            }
            if (response.code() != 200) {
                throw failure(response, what);
            }
            Reply reply = new Reply(200, response.body().string(), index);
            JsonNode keys = parse(reply, what);
            if (!keys.isArray()) {
                throw unreadable(reply, what);
            }
            return new GuardRead(keys.isEmpty(), index);
        });
    }

    /**
     * A 409: a conflict when every error is a failed check ({@code check-index}, {@code
     * check-not-exists}, {@code get}: state/kvs.go and state/txn.go); anything else (an ACL
     * denial, a malformed or unknown operation) is an error, never a retried conflict.
     */
    private TxnResult conflictOrFailure(Reply reply, ArrayNode ops) {
        JsonNode errors;
        try {
            errors = JSON.readTree(reply.body()).path("Errors");
        } catch (JsonProcessingException e) {
            throw unreadable(reply, "txn");
        }
        if (!errors.isArray() || errors.isEmpty()) {
            throw unreadable(reply, "txn");
        }
        List<String> reasons = new ArrayList<>();
        boolean denied = false;
        boolean allChecks = true;
        for (JsonNode error : errors) {
            int opIndex = error.path("OpIndex").asInt(-1);
            String what = error.path("What").asText("");
            String lower = what.toLowerCase(Locale.ROOT);
            JsonNode op = opIndex >= 0 && opIndex < ops.size() ? ops.get(opIndex).path("KV") : null;
            String verb = op == null ? "" : op.path("Verb").asText();
            reasons.add((op == null ? "op " + opIndex : verb + " " + op.path("Key").asText()) + ": " + what);
            boolean permission = lower.contains("permission denied");
            denied |= permission;
            boolean failedCheck =
                    !permission
                            && CHECK_VERBS.contains(verb)
                            && (lower.contains("doesn't exist") || lower.contains("modify index") || lower.endsWith("exists"));
            allChecks &= failedCheck;
        }
        if (allChecks) {
            LOG.log(System.Logger.Level.DEBUG, () -> "consul txn rolled back: " + reasons);
            return TxnResult.conflict();
        }
        if (denied) {
            throw new StoreUnavailableException(
                    "consul refused the transaction: the token lacks a permission it needs (write on the keys it"
                            + " changes, read on the keys it checks): "
                            + reasons);
        }
        throw new StoreUnavailableException("consul refused the transaction as malformed: " + reasons);
    }

    @Override
    public void ping() {
        long until = startCall();
        HttpUrl url = withDc(base.newBuilder().addPathSegments("v1/status/leader")).build();
        String leader = exchange("ping", client, get(url), until, response -> {
            if (response.code() != 200) {
                throw failure(response, "ping");
            }
            Reply reply = new Reply(200, response.body().string(), 0);
            JsonNode node = parse(reply, "ping");
            return node.isTextual() ? node.asText() : "";
        });
        if (leader.isBlank()) {
            throw new StoreUnavailableException("consul at " + base + " has no leader");
        }
    }

    @Override
    public void close() {
        closed = true;
        for (ConsulWatch watch : List.copyOf(watches)) {
            watch.close();
        }
        synchronized (kept) {
            kept.clear();
            keptUse.clear();
        }
        baselines.clear();
        client.dispatcher().executorService().shutdown();
        client.connectionPool().evictAll();
        watchClient.connectionPool().evictAll();
    }

    @Override
    public String toString() {
        return "ConsulKeyValueStore[" + settings + ", deadline=" + deadline + "]";
    }

    // --- requests -----------------------------------------------------------------------------

    private record Reply(int code, String body, long index) {}

    @FunctionalInterface
    private interface Handler<T> {
        T handle(Response response) throws IOException;
    }

    /** A JSON request body that OkHttp must never send twice (a transaction is not idempotent). */
    private static final class OneShotJsonBody extends RequestBody {
        private final byte[] bytes;

        OneShotJsonBody(byte[] bytes) {
            this.bytes = bytes;
        }

        @Override
        public MediaType contentType() {
            return JSON_TYPE;
        }

        @Override
        public long contentLength() {
            return bytes.length;
        }

        @Override
        public boolean isOneShot() {
            return true;
        }

        @Override
        public void writeTo(BufferedSink sink) throws IOException {
            sink.write(bytes);
        }
    }

    private long startCall() {
        if (closed) {
            throw new IllegalStateException("the Consul store is closed");
        }
        return System.nanoTime() + deadline.toNanos();
    }

    private <T> T exchange(String what, OkHttpClient with, Request request, long until, Handler<T> handler) {
        long remaining = until - System.nanoTime();
        if (remaining <= 0) {
            throw new StoreUnavailableException("consul at " + base + ": deadline of " + deadline + " spent before " + what);
        }
        Call call = with.newCall(request);
        call.timeout().timeout(remaining, TimeUnit.NANOSECONDS);
        long start = System.nanoTime();
        try (Response response = call.execute()) {
            LOG.log(System.Logger.Level.DEBUG, () -> "consul " + request.method() + " " + request.url().encodedPath()
                    + " (" + what + ") -> " + response.code() + " in "
                    + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) + " ms");
            return handler.handle(response);
        } catch (InterruptedIOException e) {
            throw new StoreUnavailableException("consul at " + base + " did not answer " + what + " within " + deadline, e);
        } catch (IOException e) {
            throw new StoreUnavailableException("consul at " + base + " unreachable for " + what + ": " + e.getMessage(), e);
        }
    }

    /** A read Consul filtered by ACLs is a partial answer: refused, never served. */
    private void refuseFiltered(Response response, String prefix) {
        if ("true".equalsIgnoreCase(response.header(FILTERED_HEADER))) {
            throw new StoreUnavailableException(
                    "consul filtered the read of "
                            + prefix
                            + " by ACLs ("
                            + FILTERED_HEADER
                            + "): the token lacks read permission on part of the prefix; refusing a partial answer");
        }
    }

    private RuntimeException failure(Response response, String what) throws IOException {
        return failure(response.code(), response.body().string(), response.header("Retry-After"), what);
    }

    /** One failure for each status Consul answers with; see the class comment. */
    private RuntimeException failure(int code, String body, String retryAfter, String what) {
        String detail = "consul at " + base + " answered " + code + " to " + what + ": " + snippet(body);
        return switch (code) {
            case 400 -> new IllegalStateException(detail);
            case 403 -> new StoreUnavailableException(
                    "consul refused " + what + " (403): the token lacks permission: " + snippet(body));
            case 413 -> new InvalidInputException(
                    "the change is larger than the Consul servers accept (413, their kv_max_value_size or"
                            + " txn_max_req_len): " + snippet(body));
            case 429 -> new StoreUnavailableException(
                    "consul is rate-limiting requests (429) for " + what
                            + (retryAfter == null ? "" : "; Retry-After: " + retryAfter) + ": " + snippet(body));
            default -> new StoreUnavailableException(detail);
        };
    }

    private Request get(HttpUrl url) {
        return authorize(new Request.Builder().url(url)).get().build();
    }

    private Request.Builder authorize(Request.Builder builder) {
        if (settings.token() != null) {
            builder.header(TOKEN_HEADER, settings.token());
        }
        return builder;
    }

    private HttpUrl.Builder kvUrl(String key) {
        return withDc(base.newBuilder().addPathSegments("v1/kv").addPathSegments(key));
    }

    private HttpUrl.Builder withDc(HttpUrl.Builder builder) {
        if (settings.datacenter() != null) {
            builder.addQueryParameter("dc", settings.datacenter());
        }
        return builder;
    }

    private static ObjectNode op(ArrayNode ops, String verb, String key) {
        ObjectNode kv = ops.addObject().putObject("KV");
        kv.put("Verb", verb);
        kv.put("Key", key);
        return kv;
    }

    // --- decoding -----------------------------------------------------------------------------

    @FunctionalInterface
    private interface EntrySink {
        void accept(String key, long modifyIndex, String base64Value);
    }

    /**
     * Streams a {@code /v1/kv?recurse} answer (an array of entries) into {@code sink}, never
     * holding the whole body: at 800,000 keys it is about 105 MB.
     */
    private void parseEntries(InputStream in, String what, EntrySink sink) throws IOException {
        try (JsonParser p = JSON_FACTORY.createParser(in)) {
            if (p.nextToken() != JsonToken.START_ARRAY) {
                throw unexpected(what);
            }
            while (p.nextToken() == JsonToken.START_OBJECT) {
                String key = null;
                long modifyIndex = 0;
                String value = null;
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String field = p.currentName();
                    JsonToken token = p.nextToken();
                    switch (field) {
                        case "Key" -> key = token == JsonToken.VALUE_STRING ? p.getText() : null;
                        case "ModifyIndex" -> modifyIndex = token == JsonToken.VALUE_NUMBER_INT ? p.getLongValue() : 0;
                        case "Value" -> value = token == JsonToken.VALUE_STRING ? p.getText() : null;
                        default -> p.skipChildren();
                    }
                }
                if (key == null || modifyIndex <= 0) {
                    throw unexpected(what);
                }
                sink.accept(key, modifyIndex, value);
            }
            if (p.currentToken() != JsonToken.END_ARRAY) {
                throw unexpected(what);
            }
        } catch (JsonProcessingException e) {
            throw unexpected(what);
        }
    }

    private StoreUnavailableException unexpected(String what) {
        return new StoreUnavailableException("consul at " + base + " answered " + what + " with an unexpected body");
    }

    private String decode(String base64, String what) {
        if (base64 == null) {
            return "";
        }
        try {
            return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw unexpected(what);
        }
    }

    private JsonNode parse(Reply reply, String what) {
        try {
            return JSON.readTree(reply.body());
        } catch (JsonProcessingException e) {
            throw unreadable(reply, what);
        }
    }

    private StoreUnavailableException unreadable(Reply reply, String what) {
        return new StoreUnavailableException(
                "consul at " + base + " answered " + what + " with an unexpected body: " + snippet(reply.body()));
    }

    private static String snippet(String body) {
        String s = body.strip();
        return s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }

    private static long parseIndex(String header) {
        if (header == null) {
            return 0;
        }
        try {
            return Long.parseLong(header.strip());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static String encode(String value) {
        return Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8));
    }
}
