package io.lochness.chypervisord.adapter.out.consul;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lochness.chypervisord.domain.model.StoreUnavailableException;
import io.lochness.chypervisord.domain.port.out.KeyValue;
import io.lochness.chypervisord.domain.port.out.KeyValueStore;
import io.lochness.chypervisord.domain.port.out.Snapshot;
import io.lochness.chypervisord.domain.port.out.Txn;
import io.lochness.chypervisord.domain.port.out.TxnResult;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import okhttp3.Call;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSink;

/**
 * The {@link KeyValueStore} on Consul's KV store, spoken over Consul's HTTP API.
 *
 * <h2>Transport</h2>
 *
 * <p>OkHttp (already on the class path for Consul) plus Jackson for the JSON, not the
 * kiwiproject consul-client: its transaction model has no {@code check-not-exists} verb, it turns
 * a rolled-back transaction (HTTP 409) into the same {@code ConsulException} as an outage, and it
 * hides the {@code X-Consul-Index} of a 404. Talking HTTP directly keeps each port call exactly
 * one documented request, with a per-call deadline and nothing between the adapter and the wire.
 *
 * <h2>Mapping</h2>
 *
 * <ul>
 *   <li>{@link #read} is one {@code GET /v1/kv/{prefix}?recurse=true}; a 404 is an empty prefix.
 *       Each entry's revision is its {@code ModifyIndex}; the snapshot's revision is the {@code
 *       X-Consul-Index} header (at least the largest {@code ModifyIndex}, at least 1).
 *   <li>{@link #commit} is one {@code PUT /v1/txn}. {@code KeyAt(k, r > 0)} is {@code
 *       check-index}, {@code KeyAt(k, 0)} is {@code check-not-exists}, {@code Put} is {@code set},
 *       {@code Delete} is {@code delete}, {@code DeletePrefix} is {@code delete-tree}. HTTP 409 is
 *       a {@link TxnResult#conflict()}, unless Consul names an ACL denial as the cause.
 *   <li>The committed revision is the {@code ModifyIndex} Consul reports for the transaction's
 *       {@code set} results (the Raft index of the transaction, shared by all its writes). A
 *       transaction without a {@code set} leaves no key carrying its index, and Consul sends no
 *       {@code X-Consul-Index} on {@code /v1/txn}; its revision is then a <em>lower bound</em>:
 *       the largest index the adapter saw for it (an index header if Consul ever sends one, the
 *       {@code ModifyIndex} of the {@code check-index} results, the guard read's index), at least
 *       1. No follow-up request is made to learn more. An empty transaction sends nothing and
 *       commits at revision 1.
 * </ul>
 *
 * <h2>{@code PrefixEmpty}: not fully atomic on Consul</h2>
 *
 * <p>Consul's transaction has no verb that fails when a prefix holds keys ({@code
 * check-not-exists} and {@code check-index} test one exact key; {@code get-tree} only reads). The
 * adapter therefore does the strongest thing available:
 *
 * <ol>
 *   <li>For a transaction that also writes, it first reads the prefix ({@code GET
 *       /v1/kv/{prefix}?keys}); a key there makes the commit a conflict without sending the
 *       transaction.
 *   <li>Inside the transaction, before any write, each {@code PrefixEmpty} becomes a {@code
 *       get-tree} of its prefix: a witness, evaluated atomically with the other checks.
 * </ol>
 *
 * <p>For a transaction without writes the witness is the whole guard and it is exact: keys in the
 * {@code get-tree} result make the commit a conflict. For a transaction with writes, <b>one window
 * remains</b>: a key created under the prefix after the guard read was answered and before the
 * Consul leader applies the transaction (about one adapter-to-agent round trip) is not prevented.
 * The transaction then commits; the witness shows the key, and the adapter logs it at WARNING.
 * For the registry's "delete a hypervisor only when it has no guests" this means a guest added in
 * that window is deleted with its hypervisor (the {@code delete-tree} covers it) instead of the
 * delete answering 409. Closing the window needs every writer under the prefix to touch a shared
 * key the guard can {@code check-index}; that is a change to the domain's transactions, not
 * something this adapter can do alone.
 *
 * <h2>Failures and deadlines</h2>
 *
 * <p>Each port call has one deadline (constructor parameter, default 3 s) covering all of its
 * requests; connect, read, write and whole-call timeouts are bounded by it. Refused connections,
 * timeouts, 5xx, 403 and any other unexpected status throw {@link StoreUnavailableException}. A 400
 * or 413 means the adapter built a request Consul rejects (a bug, or a value over Consul's size
 * limit): {@link IllegalStateException}. A transaction is never retried once its request started:
 * if the answer is lost the outcome is unknown and the call throws {@link
 * StoreUnavailableException}. Transactions over {@link #MAX_TXN_OPERATIONS} operations are refused
 * with {@link IllegalArgumentException} before anything is sent. Construction makes no request.
 */
public final class ConsulKeyValueStore implements KeyValueStore {

    /** The deadline of each port call unless the constructor is given another. */
    public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(3);

    /** The operations one {@code /v1/txn} may hold here: 64, Consul's historic limit (current docs say 128). */
    public static final int MAX_TXN_OPERATIONS = 64;

    private static final System.Logger LOG = System.getLogger(ConsulKeyValueStore.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final MediaType JSON_TYPE = MediaType.get("application/json");
    private static final String INDEX_HEADER = "X-Consul-Index";
    private static final String TOKEN_HEADER = "X-Consul-Token";

    private final ConsulSettings settings;
    private final Duration deadline;
    private final HttpUrl base;
    private final OkHttpClient client;
    private volatile boolean closed;

    /** A store for {@code settings} with the {@link #DEFAULT_DEADLINE}; contacts nothing yet. */
    public ConsulKeyValueStore(ConsulSettings settings) {
        this(settings, DEFAULT_DEADLINE);
    }

    /** A store for {@code settings} whose every call ends within {@code deadline}; contacts nothing yet. */
    public ConsulKeyValueStore(ConsulSettings settings, Duration deadline) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.deadline = Objects.requireNonNull(deadline, "deadline");
        if (deadline.isNegative() || deadline.isZero()) {
            throw new IllegalArgumentException("deadline must be positive: " + deadline);
        }
        HttpUrl url = HttpUrl.get(settings.endpoint().toString());
        this.base = url.newBuilder().encodedPath("/").build();
        this.client =
                new OkHttpClient.Builder()
                        .connectTimeout(deadline)
                        .readTimeout(deadline)
                        .writeTimeout(deadline)
                        .callTimeout(deadline)
                        .followRedirects(false)
                        .build();
    }

    @Override
    public String name() {
        return "consul";
    }

    @Override
    public int maxTxnOperations() {
        return MAX_TXN_OPERATIONS;
    }

    /** The settings this store was built with. */
    public ConsulSettings settings() {
        return settings;
    }

    /** The deadline of each port call. */
    public Duration deadline() {
        return deadline;
    }

    @Override
    public Snapshot read(String prefix) {
        return readKeys(prefix, null);
    }

    /** {@inheritDoc} The other keys' values are never base64-decoded. */
    @Override
    public Snapshot read(String prefix, String keySuffix) {
        return readKeys(prefix, Objects.requireNonNull(keySuffix, "keySuffix"));
    }

    /** Every key under {@code prefix}, or only those ending with {@code keySuffix} when it is not null. */
    private Snapshot readKeys(String prefix, String keySuffix) {
        Objects.requireNonNull(prefix, "prefix");
        long until = startCall();
        HttpUrl url = kvUrl(prefix).addQueryParameter("recurse", "true").build();
        Reply reply = exchange("read " + prefix, get(url), until);
        long headerIndex = reply.index();
        if (reply.code() == 404) {
            return new Snapshot(List.of(), Math.max(headerIndex, 1));
        }
        expectOk(reply, "read " + prefix);
        JsonNode array = parse(reply, "read " + prefix);
        if (!array.isArray()) {
            throw unreadable(reply, "read " + prefix);
        }
        List<KeyValue> entries = new ArrayList<>(keySuffix == null ? array.size() : 16);
        long max = Math.max(headerIndex, 1);
        for (JsonNode node : array) {
            JsonNode key = node.get("Key");
            if (keySuffix != null && key != null && key.isTextual() && !key.asText().endsWith(keySuffix)) {
                max = Math.max(max, node.path("ModifyIndex").asLong(0));
                continue;
            }
            KeyValue kv = toKeyValue(node, reply, "read " + prefix);
            entries.add(kv);
            max = Math.max(max, kv.revision());
        }
        entries.sort(Comparator.comparing(KeyValue::key));
        return new Snapshot(entries, max);
    }

    @Override
    public TxnResult commit(Txn txn) {
        Objects.requireNonNull(txn, "txn");
        if (txn.size() > MAX_TXN_OPERATIONS) {
            throw new IllegalArgumentException(
                    "a Consul transaction holds at most "
                            + MAX_TXN_OPERATIONS
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
        boolean writes = !txn.mutations().isEmpty();
        long knownIndex = 1;

        // Guard reads: only needed when the transaction writes (see the class comment).
        List<String> guarded = new ArrayList<>();
        for (Txn.Condition condition : txn.conditions()) {
            if (condition instanceof Txn.PrefixEmpty empty) {
                guarded.add(empty.prefix());
            }
        }
        if (writes) {
            for (String prefix : guarded) {
                GuardRead guard = guardRead(prefix, until);
                if (!guard.empty()) {
                    LOG.log(
                            System.Logger.Level.DEBUG,
                            () -> "consul txn: prefix " + prefix + " not empty, conflict without sending");
                    return TxnResult.conflict();
                }
                knownIndex = Math.max(knownIndex, guard.index());
            }
        }

        // Conditions first (check-index, check-not-exists, get, then the get-tree witnesses), then
        // the mutations in the caller's order. Results come back in op order, only for set,
        // check-index and get (an echo of the checked key) and get-tree (one per key found): the
        // last results are the sets', the ones before are echoes and witnesses.
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
        // Consul has no check-exists verb; "get" fails the transaction when its key is missing,
        // and echoes the key (at whatever index it has) when it is there.
        Map<String, Integer> presentEchoes = new HashMap<>();
        for (Txn.Condition condition : txn.conditions()) {
            if (condition instanceof Txn.Present present) {
                op(ops, "get", present.key());
                presentEchoes.merge(present.key(), 1, Integer::sum);
            }
        }
        for (String prefix : guarded) {
            op(ops, "get-tree", prefix);
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

        HttpUrl url = withDc(base.newBuilder().addPathSegments("v1/txn")).build();
        Request request =
                authorize(new Request.Builder().url(url))
                        .put(new OneShotJsonBody(ops.toString().getBytes(StandardCharsets.UTF_8)))
                        .build();
        Reply reply = exchange("txn of " + ops.size() + " operations", request, until);
        if (reply.code() == 409) {
            return conflictOrFailure(reply, ops);
        }
        expectOk(reply, "txn");
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
                            + " between the guard read and the transaction: "
                            + raced);
        }
        long setIndex = 0;
        for (JsonNode node : list.subList(list.size() - setResults, list.size())) {
            setIndex = Math.max(setIndex, node.path("KV").path("ModifyIndex").asLong(0));
        }
        if (setResults > 0 && setIndex > 0) {
            return TxnResult.committed(setIndex);
        }
        return TxnResult.committed(Math.max(knownIndex, reply.index()));
    }

    @Override
    public void ping() {
        long until = startCall();
        HttpUrl url = withDc(base.newBuilder().addPathSegments("v1/status/leader")).build();
        Reply reply = exchange("ping", get(url), until);
        expectOk(reply, "ping");
        JsonNode leader = parse(reply, "ping");
        if (!leader.isTextual() || leader.asText().isBlank()) {
            throw new StoreUnavailableException("consul at " + base + " has no leader");
        }
    }

    @Override
    public void close() {
        closed = true;
        client.dispatcher().executorService().shutdown();
        client.connectionPool().evictAll();
    }

    @Override
    public String toString() {
        return "ConsulKeyValueStore[" + settings + ", deadline=" + deadline + "]";
    }

    // --- requests -----------------------------------------------------------------------------

    private record Reply(int code, String body, long index) {}

    private record GuardRead(boolean empty, long index) {}

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

    private GuardRead guardRead(String prefix, long until) {
        HttpUrl url = kvUrl(prefix).addQueryParameter("keys", "true").build();
        Reply reply = exchange("guard read " + prefix, get(url), until);
        if (reply.code() == 404) {
            return new GuardRead(true, reply.index());
        }
        expectOk(reply, "guard read " + prefix);
        JsonNode keys = parse(reply, "guard read " + prefix);
        if (!keys.isArray()) {
            throw unreadable(reply, "guard read " + prefix);
        }
        return new GuardRead(keys.isEmpty(), reply.index());
    }

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
        for (JsonNode error : errors) {
            int opIndex = error.path("OpIndex").asInt(-1);
            String what = error.path("What").asText("");
            JsonNode op = opIndex >= 0 && opIndex < ops.size() ? ops.get(opIndex).path("KV") : null;
            reasons.add(
                    (op == null ? "op " + opIndex : op.path("Verb").asText() + " " + op.path("Key").asText())
                            + ": "
                            + what);
            denied |= what.toLowerCase(Locale.ROOT).contains("permission denied");
        }
        if (denied) {
            throw new StoreUnavailableException("consul refused the transaction: " + reasons);
        }
        LOG.log(System.Logger.Level.DEBUG, () -> "consul txn rolled back: " + reasons);
        return TxnResult.conflict();
    }

    private Reply exchange(String what, Request request, long until) {
        long remaining = until - System.nanoTime();
        if (remaining <= 0) {
            throw new StoreUnavailableException(
                    "consul at " + base + ": deadline of " + deadline + " spent before " + what);
        }
        Call call = client.newCall(request);
        call.timeout().timeout(remaining, TimeUnit.NANOSECONDS);
        long start = System.nanoTime();
        try (Response response = call.execute()) {
            String body = response.body().string();
            long index = parseIndex(response.header(INDEX_HEADER));
            LOG.log(
                    System.Logger.Level.DEBUG,
                    () ->
                            "consul "
                                    + request.method()
                                    + " "
                                    + request.url().encodedPath()
                                    + " ("
                                    + what
                                    + ") -> "
                                    + response.code()
                                    + " in "
                                    + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)
                                    + " ms");
            return new Reply(response.code(), body, index);
        } catch (InterruptedIOException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> "consul " + what + " timed out: " + e);
            throw new StoreUnavailableException(
                    "consul at " + base + " did not answer " + what + " within " + deadline, e);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> "consul " + what + " failed: " + e);
            throw new StoreUnavailableException(
                    "consul at " + base + " unreachable for " + what + ": " + e.getMessage(), e);
        }
    }

    private void expectOk(Reply reply, String what) {
        int code = reply.code();
        if (code == 200) {
            return;
        }
        String detail = "consul at " + base + " answered " + code + " to " + what + ": " + snippet(reply);
        if (code == 400 || code == 413) {
            throw new IllegalStateException(detail);
        }
        throw new StoreUnavailableException(detail);
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

    private KeyValue toKeyValue(JsonNode node, Reply reply, String what) {
        JsonNode key = node.get("Key");
        JsonNode modifyIndex = node.get("ModifyIndex");
        if (key == null || !key.isTextual() || modifyIndex == null || modifyIndex.asLong(0) <= 0) {
            throw unreadable(reply, what);
        }
        JsonNode value = node.get("Value");
        String text;
        try {
            text = value == null || value.isNull() ? "" : decode(value.asText());
        } catch (IllegalArgumentException e) {
            throw unreadable(reply, what);
        }
        return new KeyValue(key.asText(), text, modifyIndex.asLong());
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
                "consul at " + base + " answered " + what + " with an unexpected body: " + snippet(reply));
    }

    private static String snippet(Reply reply) {
        String body = reply.body().strip();
        return body.length() <= 200 ? body : body.substring(0, 200) + "...";
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

    private static String decode(String base64) {
        return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
    }
}
