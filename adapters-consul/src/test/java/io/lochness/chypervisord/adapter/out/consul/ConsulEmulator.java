package io.lochness.chypervisord.adapter.out.consul;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import okhttp3.HttpUrl;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.RecordedRequest;

/**
 * A test-only, in-memory EMULATOR of the slice of Consul's HTTP API the adapter uses: {@code GET
 * /v1/kv/{key}} (one key, {@code ?recurse}, {@code ?keys[&separator]}, blocking with {@code
 * ?index&wait}), {@code PUT /v1/txn} and {@code GET /v1/status/leader}. It is not Consul; each
 * behaviour below names where Consul's server code or documentation says it (hashicorp/consul:
 * {@code agent/consul/state/kvs.go}, {@code state/txn.go}, {@code agent/txn_endpoint.go}, {@code
 * agent/kvs_endpoint.go}, {@code agent/consul/rpc.go}; {@code website/content/api-docs/kv.mdx},
 * {@code txn.mdx}, {@code features/blocking.mdx}), so that a test passing here fails where real
 * Consul would make the adapter fail. What it leaves out: sessions and locks, namespaces,
 * consistency modes (one node: every read is as fresh as {@code ?consistent}), Raft itself.
 */
final class ConsulEmulator extends Dispatcher implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    // txn_endpoint.go isWrite: the verbs that make a transaction go through Raft.
    private static final Set<String> WRITE_VERBS =
            Set.of("set", "cas", "delete", "delete-cas", "delete-tree", "lock", "unlock");
    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)");

    private record Entry(byte[] value, long createIndex, long modifyIndex) {}

    /** An ACL token's key rules: {@code key_prefix "..." { policy = "read" | "write" }}. */
    record Policy(List<String> readPrefixes, List<String> writePrefixes) {
        boolean mayRead(String key) {
            return readPrefixes.stream().anyMatch(key::startsWith) || mayWrite(key);
        }

        boolean mayWrite(String key) {
            return writePrefixes.stream().anyMatch(key::startsWith);
        }
    }

    private record Waiter(String prefix, long minIndex, Policy policy, CompletableFuture<MockResponse> answer) {}

    private final NavigableMap<String, Entry> data = new TreeMap<>();
    /** state/graveyard.go: a tombstone per deleted key (one at the prefix for a delete-tree). */
    private final NavigableMap<String, Long> graveyard = new TreeMap<>();
    private final List<Waiter> waiters = new ArrayList<>();
    private final Deque<MockResponse> faults = new ArrayDeque<>();
    private final Map<String, Policy> tokens = new HashMap<>();
    private boolean aclsEnabled;
    private boolean noLeader;
    private long raftIndex = 10;
    private long kvTableIndex = 10;
    private int maxOps = 128;
    private int kvMaxValueSize = 512 * 1024;
    private int txnMaxReqLen = 512 * 1024;
    private Runnable beforeNextTxn;
    private int txnCount;

    // --- test controls ------------------------------------------------------------------------

    /** Runs {@code action} inside the server, right before the next {@code /v1/txn} is evaluated. */
    synchronized void beforeNextTxn(Runnable action) {
        this.beforeNextTxn = action;
    }

    /** Consul before 1.14 allowed 64 operations per transaction; 1.14 and later 128 (txn_endpoint.go maxTxnOps). */
    synchronized void maxOperations(int ops) {
        this.maxOps = ops;
    }

    /** Consul's kv_max_value_size and txn_max_req_len (both 512 KiB by default). */
    synchronized void limits(int kvMaxValueSize, int txnMaxReqLen) {
        this.kvMaxValueSize = kvMaxValueSize;
        this.txnMaxReqLen = txnMaxReqLen;
    }

    /** Turns ACLs on with default deny; requests without a known token may do nothing. */
    synchronized void enableAcls() {
        this.aclsEnabled = true;
    }

    synchronized void token(String token, List<String> readPrefixes, List<String> writePrefixes) {
        tokens.put(token, new Policy(List.copyOf(readPrefixes), List.copyOf(writePrefixes)));
    }

    /** While set, every KV and txn request answers 500 "No cluster leader" (an election). */
    synchronized void noLeader(boolean on) {
        this.noLeader = on;
    }

    /** The next request (of any kind) gets {@code response} instead (a 429, a proxy's 502...). */
    synchronized void failNext(MockResponse response) {
        faults.add(response);
    }

    /** Writes one key as another client would (its own write transaction). */
    synchronized void put(String key, String value) {
        raftIndex++;
        set(data, key, value.getBytes(StandardCharsets.UTF_8), raftIndex);
        committed();
    }

    /** Deletes one key as another client would. */
    synchronized void delete(String key) {
        raftIndex++;
        if (data.remove(key) != null) {
            graveyard.put(key, raftIndex);
            kvTableIndex = raftIndex;
        }
        committed();
    }

    /**
     * state/kvs.go ReapTombstones: deletes every tombstone with an index up to {@code index} (the
     * tombstone GC does this after the tombstone TTL). A prefix whose highest index was a tombstone
     * then reads with a LOWER {@code X-Consul-Index} (blocking.mdx: "Reset the index if it goes
     * backwards").
     */
    synchronized void reapTombstones(long index) {
        graveyard.values().removeIf(i -> i <= index);
        raftIndex++;
    }

    /** The current KV table index (what a single-key read answers). */
    synchronized long tableIndex() {
        return kvTableIndex;
    }

    /** How many {@code /v1/txn} requests were received. */
    synchronized int txnCount() {
        return txnCount;
    }

    private boolean closed;

    @Override
    public synchronized void close() {
        closed = true;
        for (Waiter w : waiters) {
            w.answer().complete(new MockResponse().setResponseCode(500).setBody("agent shutting down"));
        }
        waiters.clear();
    }

    // --- dispatch -----------------------------------------------------------------------------

    @Override
    public MockResponse dispatch(RecordedRequest request) {
        HttpUrl url = request.getRequestUrl();
        List<String> segments = url.pathSegments();
        synchronized (this) {
            MockResponse fault = faults.poll();
            if (fault != null) {
                return fault;
            }
        }
        try {
            if ("GET".equals(request.getMethod()) && "/v1/status/leader".equals(url.encodedPath())) {
                synchronized (this) {
                    // status_endpoint.go: the leader's address, "" during an election.
                    return json(200, noLeader ? "\"\"" : "\"127.0.0.1:8300\"");
                }
            }
            synchronized (this) {
                if (noLeader) {
                    // rpc.go structs.ErrNoLeader, surfaced by the HTTP layer as a 500.
                    return new MockResponse().setResponseCode(500).setBody("No cluster leader");
                }
            }
            Policy policy = policy(request.getHeader("X-Consul-Token"));
            if ("GET".equals(request.getMethod())
                    && segments.size() >= 2
                    && "v1".equals(segments.get(0))
                    && "kv".equals(segments.get(1))) {
                return kvGet(String.join("/", segments.subList(2, segments.size())), url, policy);
            }
            if ("PUT".equals(request.getMethod()) && "/v1/txn".equals(url.encodedPath())) {
                Runnable hook;
                synchronized (this) {
                    hook = beforeNextTxn;
                    beforeNextTxn = null;
                }
                if (hook != null) {
                    hook.run();
                }
                return txn(request, policy);
            }
            return new MockResponse().setResponseCode(405).setBody("method or path not emulated");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new MockResponse().setResponseCode(500).setBody("interrupted");
        }
    }

    private synchronized Policy policy(String token) {
        if (!aclsEnabled) {
            return null;
        }
        Policy p = token == null ? null : tokens.get(token);
        return p == null ? new Policy(List.of(), List.of()) : p;
    }

    // --- KV reads -----------------------------------------------------------------------------

    private MockResponse kvGet(String key, HttpUrl url, Policy policy) throws InterruptedException {
        Set<String> params = url.queryParameterNames();
        boolean recurse = params.contains("recurse");
        boolean keysOnly = params.contains("keys");
        if (!recurse && !keysOnly) {
            return single(key, policy);
        }
        if (keysOnly) {
            return keys(key, url.queryParameter("separator"), policy);
        }
        String index = url.queryParameter("index");
        long minIndex = index == null ? 0 : Long.parseLong(index);
        CompletableFuture<MockResponse> answer;
        long waitMillis;
        synchronized (this) {
            long current = listIndex(key);
            // rpc.go blockingQuery: block only when the client asked (index > 0) and the result's
            // index is not past it; otherwise answer at once.
            if (minIndex <= 0 || current > minIndex || closed) {
                return list(key, policy);
            }
            answer = new CompletableFuture<>();
            waiters.add(new Waiter(key, minIndex, policy, answer));
            waitMillis = waitMillis(url.queryParameter("wait"));
        }
        try {
            return answer.get(waitMillis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            synchronized (this) {
                waiters.removeIf(w -> w.answer() == answer);
                // blocking.mdx: on timeout the current result is returned, same index or not
                // (lower too, after tombstones were reaped).
                return answer.isDone() ? answer.getNow(null) : list(key, policy);
            }
        } catch (java.util.concurrent.ExecutionException e) {
            return new MockResponse().setResponseCode(500).setBody(e.toString());
        }
    }

    /** blocking.mdx: wait defaults to 5 minutes, is capped at 10, and gets up to wait/16 of jitter (rpc.go). */
    private static long waitMillis(String wait) {
        long millis = TimeUnit.MINUTES.toMillis(5);
        if (wait != null) {
            Matcher m = DURATION.matcher(wait);
            if (m.matches()) {
                long n = Long.parseLong(m.group(1));
                millis = switch (m.group(2)) {
                    case "ms" -> n;
                    case "s" -> TimeUnit.SECONDS.toMillis(n);
                    case "m" -> TimeUnit.MINUTES.toMillis(n);
                    default -> TimeUnit.HOURS.toMillis(n);
                };
            }
        }
        millis = Math.min(millis, TimeUnit.MINUTES.toMillis(10));
        return millis + ThreadLocalRandom.current().nextLong(millis / 16 + 1);
    }

    /**
     * Called under the lock after every write. A woken blocking query answers with the state of
     * the write that woke it: one schedule real Consul allows (its goroutine may also run later
     * and see further writes, which the adapter's diffing handles; the watch tests cover that
     * with pauses between writes, not with this emulator's scheduling).
     */
    private void committed() {
        var it = waiters.iterator();
        while (it.hasNext()) {
            Waiter w = it.next();
            if (listIndex(w.prefix()) > w.minIndex()) {
                it.remove();
                w.answer().complete(list(w.prefix(), w.policy()));
            }
        }
    }

    /** kvs_endpoint.go KVSGet: one key; the index is the KV table's (state/kvs.go kvsGetTxn). */
    private synchronized MockResponse single(String key, Policy policy) {
        if (policy != null && !policy.mayRead(key)) {
            // acl.ErrPermissionDenied, which the HTTP layer answers with 403.
            return new MockResponse().setResponseCode(403).setBody("Permission denied");
        }
        Entry e = data.get(key);
        MockResponse r = e == null
                ? new MockResponse().setResponseCode(404)
                : json(200, JSON.createArrayNode().add(toJson(key, e, true)).toString());
        return r.setHeader("X-Consul-Index", Math.max(kvTableIndex, 1));
    }

    /**
     * state/kvs.go kvsListTxn: the index is the highest ModifyIndex of the entries or tombstones
     * under the prefix; with neither, or for the empty prefix, the KV table's index.
     */
    private long listIndex(String prefix) {
        if (prefix.isEmpty()) {
            return kvTableIndex;
        }
        long lindex = 0;
        for (Entry e : under(data, prefix).values()) {
            lindex = Math.max(lindex, e.modifyIndex());
        }
        for (Long tomb : under(graveyard, prefix).values()) {
            lindex = Math.max(lindex, tomb);
        }
        // rpc.go: "we need to ensure that unless there is an error, we return an index > 0".
        return Math.max(lindex != 0 ? lindex : kvTableIndex, 1);
    }

    /**
     * kvs_endpoint.go KVSGet with recurse: entries the token may not read are dropped and the
     * answer says so in X-Consul-Results-Filtered-By-ACLs; no entries (after filtering) is a 404.
     */
    private synchronized MockResponse list(String prefix, Policy policy) {
        ArrayNode body = JSON.createArrayNode();
        boolean filtered = false;
        for (Map.Entry<String, Entry> e : under(data, prefix).entrySet()) {
            if (policy != null && !policy.mayRead(e.getKey())) {
                filtered = true;
                continue;
            }
            body.add(toJson(e.getKey(), e.getValue(), true));
        }
        MockResponse r = body.isEmpty() ? new MockResponse().setResponseCode(404) : json(200, body.toString());
        r.setHeader("X-Consul-Index", listIndex(prefix));
        if (filtered) {
            r.setHeader(ConsulKeyValueStore.FILTERED_HEADER, "true");
        }
        return r;
    }

    /**
     * kvs_endpoint.go KVSListKeys: always 200 with a JSON array ("Use empty list instead of nil"),
     * keys folded at the first separator after the prefix (state/kvs.go KVSListKeys); the index
     * is computed as for a recurse list.
     */
    private synchronized MockResponse keys(String prefix, String separator, Policy policy) {
        ArrayNode body = JSON.createArrayNode();
        boolean filtered = false;
        String last = null;
        for (String key : under(data, prefix).keySet()) {
            if (policy != null && !policy.mayRead(key)) {
                filtered = true;
                continue;
            }
            String folded = key;
            if (separator != null && !separator.isEmpty()) {
                int at = key.indexOf(separator, prefix.length());
                if (at >= 0) {
                    folded = key.substring(0, at + separator.length());
                }
            }
            if (!folded.equals(last)) {
                body.add(folded);
                last = folded;
            }
        }
        MockResponse r = json(200, body.toString()).setHeader("X-Consul-Index", listIndex(prefix));
        if (filtered) {
            r.setHeader(ConsulKeyValueStore.FILTERED_HEADER, "true");
        }
        return r;
    }

    // --- transactions -------------------------------------------------------------------------

    private synchronized MockResponse txn(RecordedRequest request, Policy policy) {
        txnCount++;
        // txn_endpoint.go convertOps: KVMaxValueSize is the request limit when it is larger.
        long maxTxnLen = Math.max(txnMaxReqLen, kvMaxValueSize);
        long length = request.getBodySize();
        if (length > maxTxnLen) {
            return new MockResponse().setResponseCode(413)
                    .setBody("Request body too large, max size: " + maxTxnLen + " bytes");
        }
        JsonNode ops;
        try {
            ops = JSON.readTree(request.getBody().readUtf8());
        } catch (Exception e) {
            return new MockResponse().setResponseCode(400).setBody("Failed to parse body: " + e.getMessage());
        }
        if (!ops.isArray()) {
            return new MockResponse().setResponseCode(400).setBody("Failed to parse body: not an array");
        }
        if (ops.size() > maxOps) {
            return new MockResponse().setResponseCode(413)
                    .setBody("Transaction contains too many operations (" + ops.size() + " > " + maxOps + ")");
        }
        boolean writes = false;
        for (JsonNode op : ops) {
            JsonNode kv = op.path("KV");
            byte[] value;
            try {
                value = kv.path("Value").isTextual() ? Base64.getDecoder().decode(kv.path("Value").asText()) : new byte[0];
            } catch (IllegalArgumentException e) {
                return new MockResponse().setResponseCode(400).setBody("Failed to parse body: failed to decode value");
            }
            if (value.length > kvMaxValueSize) {
                return new MockResponse().setResponseCode(413).setBody("Value for key \"" + kv.path("Key").asText()
                        + "\" is too large (" + value.length + " > " + kvMaxValueSize + " bytes)");
            }
            writes |= WRITE_VERBS.contains(kv.path("Verb").asText());
        }

        // txn_endpoint.go (consul) preCheck / kvsPreApply: writes need write permission (a
        // delete-tree on its prefix); check-index, check-session and check-not-exists need read
        // ("These could reveal information"); get and get-tree are filtered on output.
        ArrayNode errors = JSON.createArrayNode();
        if (policy != null) {
            for (int i = 0; i < ops.size(); i++) {
                JsonNode kv = ops.get(i).path("KV");
                String verb = kv.path("Verb").asText();
                String key = kv.path("Key").asText();
                boolean allowed = switch (verb) {
                    case "get", "get-tree" -> true;
                    case "check-index", "check-session", "check-not-exists" -> policy.mayRead(key);
                    default -> policy.mayWrite(key);
                };
                if (!allowed) {
                    errors.addObject().put("OpIndex", i).put("What", "Permission denied");
                }
            }
            if (!errors.isEmpty()) {
                return conflict(errors);
            }
        }

        long next = raftIndex + 1;
        NavigableMap<String, Entry> work = new TreeMap<>(data);
        NavigableMap<String, Long> tombs = new TreeMap<>(graveyard);
        boolean changed = false;
        ArrayNode results = JSON.createArrayNode();
        for (int i = 0; i < ops.size(); i++) {
            JsonNode kv = ops.get(i).path("KV");
            String verb = kv.path("Verb").asText();
            String key = kv.path("Key").asText();
            Entry current = work.get(key);
            String error = null;
            switch (verb) {
                case "set" -> {
                    byte[] value = kv.path("Value").isTextual() ? Base64.getDecoder().decode(kv.path("Value").asText()) : new byte[0];
                    // state/kvs.go kvsSetTxn: an unchanged entry keeps its ModifyIndex and is not
                    // written ("Skip further writing in the state store if the entry is not
                    // actually changed"); the result echoes the old index.
                    Entry entry = set(work, key, value, next);
                    changed |= entry.modifyIndex() == next;
                    addResult(results, key, entry, false, policy);
                }
                case "delete" -> {
                    // state/kvs.go kvsDeleteTxn: a missing key is no error and leaves no tombstone.
                    if (work.remove(key) != null) {
                        tombs.put(key, next);
                        changed = true;
                    }
                }
                case "delete-tree" -> {
                    // state/kvs_ce.go kvsDeleteTreeTxn: "only insert one tombstone" (at the prefix,
                    // none for the empty prefix) and update the index only if something was deleted.
                    NavigableMap<String, Entry> gone = under(work, key);
                    if (!gone.isEmpty()) {
                        gone.clear();
                        if (!key.isEmpty()) {
                            tombs.put(key, next);
                        }
                        changed = true;
                    }
                }
                case "check-index" -> {
                    long wanted = kv.path("Index").asLong();
                    // state/kvs.go kvsCheckIndexTxn, its messages verbatim.
                    if (current == null) {
                        error = "failed to check index, key \"" + key + "\" doesn't exist";
                    } else if (current.modifyIndex() != wanted) {
                        error = "failed index check for key \"" + key + "\", current modify index "
                                + current.modifyIndex() + " != " + wanted;
                    } else {
                        addResult(results, key, current, false, policy);
                    }
                }
                case "get" -> {
                    if (current == null) {
                        error = "key \"" + key + "\" doesn't exist"; // state/txn.go KVGet
                    } else {
                        addResult(results, key, current, true, policy);
                    }
                }
                case "check-not-exists" -> {
                    if (current != null) {
                        error = "key \"" + key + "\" exists"; // state/txn.go KVCheckNotExists
                    }
                }
                case "get-tree" -> {
                    for (Map.Entry<String, Entry> e : under(work, key).entrySet()) {
                        addResult(results, e.getKey(), e.getValue(), true, policy);
                    }
                }
                // state/txn.go: an unknown verb is an operation error, so a 409, not a 400.
                default -> error = "unknown KV verb \"" + verb + "\"";
            }
            if (error != null) {
                errors.addObject().put("OpIndex", i).put("What", error);
            }
        }
        if (!errors.isEmpty()) {
            if (writes) {
                raftIndex = next; // the log entry was committed; the FSM rejected its operations
            }
            return conflict(errors);
        }
        if (writes) {
            raftIndex = next;
            if (changed) {
                kvTableIndex = next;
                data.clear();
                data.putAll(work);
                graveyard.clear();
                graveyard.putAll(tombs);
            }
            committed();
        }
        ObjectNode reply = JSON.createObjectNode();
        reply.set("Results", results.isEmpty() ? null : results);
        reply.putNull("Errors");
        return json(200, reply.toString());
    }

    private Entry set(NavigableMap<String, Entry> map, String key, byte[] value, long index) {
        Entry old = map.get(key);
        if (old != null && Arrays.equals(old.value(), value)) {
            return old;
        }
        Entry entry = new Entry(value, old == null ? index : old.createIndex(), index);
        map.put(key, entry);
        if (map == data) {
            kvTableIndex = index;
        }
        return entry;
    }

    /** txn_endpoint.go (consul) Apply/Read: results the token may not read are dropped silently. */
    private static void addResult(ArrayNode results, String key, Entry entry, boolean withValue, Policy policy) {
        if (policy == null || policy.mayRead(key)) {
            results.addObject().set("KV", toJson(key, entry, withValue));
        }
    }

    /** txn_endpoint.go Txn: errors answer 409 with {"Results":null,"Errors":[...]}. */
    private static MockResponse conflict(ArrayNode errors) {
        ObjectNode reply = JSON.createObjectNode();
        reply.putNull("Results");
        reply.set("Errors", errors);
        return json(409, reply.toString());
    }

    private static MockResponse json(int code, String body) {
        return new MockResponse().setResponseCode(code).setHeader("Content-Type", "application/json").setBody(body);
    }

    private static ObjectNode toJson(String key, Entry entry, boolean withValue) {
        ObjectNode node = JSON.createObjectNode();
        node.put("LockIndex", 0);
        node.put("Key", key);
        node.put("Flags", 0);
        if (withValue && entry.value().length > 0) {
            node.put("Value", Base64.getEncoder().encodeToString(entry.value()));
        } else {
            node.putNull("Value");
        }
        node.put("CreateIndex", entry.createIndex());
        node.put("ModifyIndex", entry.modifyIndex());
        return node;
    }

    private static <V> NavigableMap<String, V> under(NavigableMap<String, V> map, String prefix) {
        if (prefix.isEmpty()) {
            return map;
        }
        String end = prefix.substring(0, prefix.length() - 1) + (char) (prefix.charAt(prefix.length() - 1) + 1);
        return map.subMap(prefix, true, end, false);
    }
}
