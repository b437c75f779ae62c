package io.lochness.chypervisord.adapter.out.consul;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import okhttp3.HttpUrl;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.RecordedRequest;

/**
 * A test-only, in-memory EMULATOR of the slice of Consul's HTTP API the adapter uses: {@code GET
 * /v1/kv/{prefix}?recurse|keys}, {@code PUT /v1/txn} and {@code GET /v1/status/leader}.
 *
 * <p>It is written from Consul's API documentation and state-store behaviour (one Raft-like index
 * bumped per write transaction and shared by all its writes; per-op errors collected and the whole
 * transaction rolled back with HTTP 409; result entries only for {@code set}, {@code check-index}
 * and {@code get-tree}; a list's {@code X-Consul-Index} is the highest index of the prefix's
 * entries and tombstones, else the KV table's). It is not Consul: it proves the adapter's logic
 * end to end against those semantics, not compatibility with a real server (that is {@code
 * ConsulKeyValueStoreContainerTest}'s job, where Docker exists).
 */
final class ConsulEmulator extends Dispatcher {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_OPS = 64;
    private static final Set<String> WRITE_VERBS = Set.of("set", "cas", "delete", "delete-tree", "delete-cas");

    private record Entry(byte[] value, long createIndex, long modifyIndex) {}

    private final NavigableMap<String, Entry> data = new TreeMap<>();
    private final Map<String, Long> graveyard = new TreeMap<>();
    private long index = 10;
    private long kvTableIndex = 10;
    private Runnable beforeNextTxn;
    private int txnCount;

    /** Runs {@code action} inside the server, right before the next {@code /v1/txn} is evaluated. */
    synchronized void beforeNextTxn(Runnable action) {
        this.beforeNextTxn = action;
    }

    /** Writes one key as another client would (its own write transaction). */
    synchronized void put(String key, String value) {
        index++;
        kvTableIndex = index;
        Entry old = data.get(key);
        data.put(
                key,
                new Entry(
                        value.getBytes(StandardCharsets.UTF_8), old == null ? index : old.createIndex(), index));
    }

    /** How many {@code /v1/txn} requests were received. */
    synchronized int txnCount() {
        return txnCount;
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
        HttpUrl url = request.getRequestUrl();
        List<String> segments = url.pathSegments();
        try {
            if ("GET".equals(request.getMethod())
                    && segments.size() >= 2
                    && "v1".equals(segments.get(0))
                    && "kv".equals(segments.get(1))) {
                return kvGet(String.join("/", segments.subList(2, segments.size())), url);
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
                return txn(request.getBody().readUtf8());
            }
            if ("GET".equals(request.getMethod()) && "/v1/status/leader".equals(url.encodedPath())) {
                return new MockResponse().setResponseCode(200).setBody("\"127.0.0.1:8300\"");
            }
            return new MockResponse().setResponseCode(405).setBody("method or path not emulated");
        } catch (IOException | RuntimeException e) {
            return new MockResponse().setResponseCode(400).setBody("Failed to parse body: " + e);
        }
    }

    private synchronized MockResponse kvGet(String prefix, HttpUrl url) {
        boolean recurse = url.queryParameterNames().contains("recurse");
        boolean keysOnly = url.queryParameterNames().contains("keys");
        if (!recurse && !keysOnly) {
            return new MockResponse().setResponseCode(405).setBody("single-key GET not emulated");
        }
        NavigableMap<String, Entry> under = tail(data, prefix);
        long listIndex = 0;
        for (Entry e : under.values()) {
            listIndex = Math.max(listIndex, e.modifyIndex());
        }
        for (Map.Entry<String, Long> tomb : graveyard.entrySet()) {
            if (tomb.getKey().startsWith(prefix)) {
                listIndex = Math.max(listIndex, tomb.getValue());
            }
        }
        if (listIndex == 0) {
            listIndex = kvTableIndex;
        }
        if (under.isEmpty()) {
            return new MockResponse().setResponseCode(404).setHeader("X-Consul-Index", listIndex);
        }
        ArrayNode body = JSON.createArrayNode();
        for (Map.Entry<String, Entry> e : under.entrySet()) {
            if (keysOnly) {
                body.add(e.getKey());
            } else {
                body.add(toJson(e.getKey(), e.getValue(), true));
            }
        }
        return new MockResponse()
                .setResponseCode(200)
                .setHeader("Content-Type", "application/json")
                .setHeader("X-Consul-Index", listIndex)
                .setBody(body.toString());
    }

    private synchronized MockResponse txn(String body) throws IOException {
        txnCount++;
        JsonNode ops = JSON.readTree(body);
        if (!ops.isArray()) {
            return new MockResponse().setResponseCode(400).setBody("Failed to parse body");
        }
        if (ops.size() > MAX_OPS) {
            return new MockResponse()
                    .setResponseCode(413)
                    .setBody("Transaction contains too many operations (" + ops.size() + " > " + MAX_OPS + ")");
        }
        boolean writes = false;
        for (JsonNode op : ops) {
            writes |= WRITE_VERBS.contains(op.path("KV").path("Verb").asText());
        }
        long next = writes ? index + 1 : index;
        NavigableMap<String, Entry> work = new TreeMap<>(data);
        Map<String, Long> deleted = new TreeMap<>();
        ArrayNode results = JSON.createArrayNode();
        ArrayNode errors = JSON.createArrayNode();
        for (int i = 0; i < ops.size(); i++) {
            JsonNode kv = ops.get(i).path("KV");
            String verb = kv.path("Verb").asText();
            String key = kv.path("Key").asText();
            Entry current = work.get(key);
            String error = null;
            switch (verb) {
                case "set" -> {
                    byte[] value = Base64.getDecoder().decode(kv.path("Value").asText(""));
                    Entry entry = new Entry(value, current == null ? next : current.createIndex(), next);
                    work.put(key, entry);
                    deleted.remove(key);
                    results.addObject().set("KV", toJson(key, entry, false));
                }
                case "delete" -> {
                    if (work.remove(key) != null) {
                        deleted.put(key, next);
                    }
                }
                case "delete-tree" -> {
                    NavigableMap<String, Entry> gone = tail(work, key);
                    for (String k : gone.keySet()) {
                        deleted.put(k, next);
                    }
                    gone.clear();
                }
                case "check-index" -> {
                    long wanted = kv.path("Index").asLong();
                    if (current == null) {
                        error = "key \"" + key + "\" doesn't exist";
                    } else if (current.modifyIndex() != wanted) {
                        error = "current modify index " + current.modifyIndex() + " != " + wanted;
                    } else {
                        results.addObject().set("KV", toJson(key, current, false));
                    }
                }
                case "get" -> {
                    if (current == null) {
                        error = "key \"" + key + "\" doesn't exist";
                    } else {
                        results.addObject().set("KV", toJson(key, current, true));
                    }
                }
                case "check-not-exists" -> {
                    if (current != null) {
                        error = "key \"" + key + "\" exists";
                    }
                }
                case "get-tree" -> {
                    for (Map.Entry<String, Entry> e : tail(work, key).entrySet()) {
                        results.addObject().set("KV", toJson(e.getKey(), e.getValue(), true));
                    }
                }
                default -> {
                    return new MockResponse()
                            .setResponseCode(400)
                            .setBody("Unknown KV verb \"" + verb + "\"");
                }
            }
            if (error != null) {
                ObjectNode e = errors.addObject();
                e.put("OpIndex", i);
                e.put("What", error);
            }
        }
        if (!errors.isEmpty()) {
            ObjectNode reply = JSON.createObjectNode();
            reply.putNull("Results");
            reply.set("Errors", errors);
            return new MockResponse()
                    .setResponseCode(409)
                    .setHeader("Content-Type", "application/json")
                    .setBody(reply.toString());
        }
        if (writes) {
            index = next;
            kvTableIndex = next;
            data.clear();
            data.putAll(work);
            graveyard.putAll(deleted);
        }
        ObjectNode reply = JSON.createObjectNode();
        reply.set("Results", results.isEmpty() ? null : results);
        reply.putNull("Errors");
        return new MockResponse()
                .setResponseCode(200)
                .setHeader("Content-Type", "application/json")
                .setBody(reply.toString());
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

    private static NavigableMap<String, Entry> tail(NavigableMap<String, Entry> map, String prefix) {
        List<String> keys = new ArrayList<>();
        for (String k : map.tailMap(prefix, true).keySet()) {
            if (!k.startsWith(prefix)) {
                break;
            }
            keys.add(k);
        }
        return keys.isEmpty()
                ? new TreeMap<>()
                : map.subMap(keys.get(0), true, keys.get(keys.size() - 1), true);
    }
}
