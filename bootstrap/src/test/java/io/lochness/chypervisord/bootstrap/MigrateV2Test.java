package io.lochness.chypervisord.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lochness.chypervisord.adapter.out.etcd.EtcdKeyValueStore;
import io.lochness.chypervisord.adapter.out.etcd.EtcdServerExtension;
import io.lochness.chypervisord.adapter.out.kv.spi.KeyValue;
import io.lochness.chypervisord.adapter.out.kv.spi.Txn;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code chypervisord migrate-v2} against a real etcd 3.4 serving both keyspaces: keys are
 * written through the v2 HTTP API as the original lochness daemons (go-etcd) wrote them, the
 * command copies them into v3, and the service serves them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MigrateV2Test {
    @RegisterExtension
    static final EtcdServerExtension ETCD = EtcdServerExtension.withFlags("--enable-v2");

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String HV = "lochness/hypervisors/";
    private static final String SUBNET = "c6430cba-648a-41aa-aee4-b59dacfc790d";
    private static final String GUEST_1 = "ad762efc-3c23-402b-8e1f-a248a005efb9";
    private static final String GUEST_2 = "f2011319-ad59-42fb-9bad-92e261f0651c";

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private EtcdKeyValueStore v3;

    /** What one run printed and returned. */
    record Run(int status, String out, String err) {}

    @BeforeEach
    void emptyBothKeyspaces() throws Exception {
        if (v3 == null) {
            v3 = new EtcdKeyValueStore(ETCD.server().settings());
        }
        v3.commit(new Txn(List.of(), List.of(new Txn.DeletePrefix("lochness/"))));
        HttpResponse<String> r = send(HttpRequest.newBuilder(
                URI.create(ETCD.server().endpoint() + "/v2/keys/lochness?recursive=true&dir=true")).DELETE());
        assertThat(r.statusCode()).as(r.body()).isIn(200, 404);
    }

    @AfterAll
    void close() {
        if (v3 != null) {
            v3.close();
        }
        http.close();
    }

    // ---------------------------------------------------------------- the original's fleet

    private static String record(String id, String resources) {
        return "{\"id\":\"" + id + "\",\"metadata\":{\"rack\":\"r12\"},\"ip\":\"10.100.101.35\","
                + "\"netmask\":\"255.255.255.0\",\"gateway\":\"10.100.101.1\",\"mac\":\"01:23:45:67:89:ac\","
                + resources + "}";
    }

    private static final String PLAIN = "\"total_resources\":{\"memory\":34359738368,\"disk\":1099511627776,\"cpu\":16},"
            + "\"available_resources\":{\"memory\":17179869184,\"disk\":549755813888,\"cpu\":8}";
    /** An overcommitted hypervisor as a Go agent stores it: available = total - usage, wrapped. */
    private static final String WRAPPED = "\"total_resources\":{\"memory\":1024,\"disk\":18446744073709551615,\"cpu\":4294967295},"
            + "\"available_resources\":{\"memory\":18446744073709550592,\"disk\":9223372036854775808,\"cpu\":0}";

    /** A full hypervisor (record, config, subnet, two guests, a live heartbeat) put through v2. */
    private Map<String, String> writeFullHypervisor(String id) throws Exception {
        Map<String, String> keys = new TreeMap<>();
        keys.put(HV + id + "/metadata", record(id, PLAIN));
        keys.put(HV + id + "/config/dns", "8.8.8.8");
        keys.put(HV + id + "/config/kernel", "5.10 <generic> & more");
        keys.put(HV + id + "/subnets/" + SUBNET, "br0");
        keys.put(HV + id + "/guests/" + GUEST_1, "");
        keys.put(HV + id + "/guests/" + GUEST_2, "");
        for (Map.Entry<String, String> e : keys.entrySet()) {
            v2Put(e.getKey(), e.getValue(), 0);
        }
        return keys;
    }

    // ---------------------------------------------------------------- tests

    @Test
    @DisplayName("records, config, subnets, guests and a heartbeat are copied; the API serves them exactly; a corrupt record is reported, not copied")
    void givenTheOriginalsV2Keys_migrate_copiesThemAndTheApiServesThem() throws Exception {
        String full = UUID.randomUUID().toString();
        String wrapped = UUID.randomUUID().toString();
        String corrupt = UUID.randomUUID().toString();
        Map<String, String> fullKeys = writeFullHypervisor(full);
        long heartbeatPut = System.nanoTime();
        v2Put(HV + full + "/heartbeat", "2026-12-01T21:00:00Z", 60);
        v2Put(HV + wrapped + "/metadata", record(wrapped, WRAPPED));
        v2Put(HV + corrupt + "/metadata", "{\"id\":\"" + corrupt + "\",\"ip\":\"10.1");
        v2Put(HV + corrupt + "/config/dns", "1.1.1.1");

        Run run = migrate();

        assertThat(run.status()).as(run.toString()).isEqualTo(1); // the corrupt record was refused
        assertThat(run.err()).isEmpty();
        assertThat(run.out()).contains("copied " + HV + full + " (7 keys, 1 with a lease)")
                .contains("copied " + HV + wrapped + " (1 key)")
                .contains("unreadable " + HV + corrupt + ": the record stored at " + HV + corrupt + "/metadata cannot be read")
                .endsWith("hypervisors: 2 copied, 0 unchanged, 0 conflicting, 1 unreadable; keys: 8 copied"
                        + " (1 with a lease), 0 unchanged, 0 conflicting, 0 expired" + System.lineSeparator());

        Map<String, String> stored = v3Under(HV);
        for (Map.Entry<String, String> e : fullKeys.entrySet()) {
            assertThat(stored).containsEntry(e.getKey(), e.getValue());
        }
        assertThat(stored).containsEntry(HV + full + "/heartbeat", "2026-12-01T21:00:00Z")
                .containsEntry(HV + wrapped + "/metadata", record(wrapped, WRAPPED))
                .doesNotContainKeys(HV + corrupt + "/metadata", HV + corrupt + "/config/dns")
                .hasSize(fullKeys.size() + 2);
        long ttl = leaseTtl(HV + full + "/heartbeat");
        // What v2 had left of its 60 s: at least 60 s less the time since the put (as this thread
        // measured it, which encloses etcd's) less 2 s of whole-second rounding, and never more
        // than the 31 s asked before; not a fixed 31 s, which a slow machine could nearly spend
        // between the put and here.
        long elapsed = java.util.concurrent.TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - heartbeatPut);
        assertThat(ttl).as("remaining lease of the heartbeat, %d s after its v2 put", elapsed)
                .isBetween(1L, 60L).isGreaterThanOrEqualTo(Math.min(58L - elapsed, 31L));
        assertThat(leaseTtl(HV + full + "/metadata")).as("a record has no lease").isEqualTo(-1L);

        Main.Launch launch = Main.launch(new String[] {"--kv", ETCD.server().kvAddress(), "-p", "0"},
                new PrintStream(new ByteArrayOutputStream()), new PrintStream(new ByteArrayOutputStream()));
        assertThat(launch.app()).isNotNull();
        try (Chypervisord app = launch.app()) {
            String api = "http://127.0.0.1:" + app.port();
            String fullJson = "{\"id\":\"" + full + "\",\"metadata\":{\"rack\":\"r12\"},\"ip\":\"10.100.101.35\","
                    + "\"netmask\":\"255.255.255.0\",\"gateway\":\"10.100.101.1\",\"mac\":\"01:23:45:67:89:ac\"," + PLAIN + "}";
            String wrappedJson = fullJson.replace(full, wrapped).replace(PLAIN, WRAPPED);
            assertThat(get(api + "/hypervisors/" + full).body()).isEqualTo(fullJson);
            assertThat(get(api + "/hypervisors/" + wrapped).body()).isEqualTo(wrappedJson);
            assertThat(get(api + "/hypervisors/" + full + "/config").body())
                    .isEqualTo("{\"dns\":\"8.8.8.8\",\"kernel\":\"5.10 <generic> & more\"}");
            assertThat(get(api + "/hypervisors/" + full + "/subnets").body()).isEqualTo("{\"" + SUBNET + "\":\"br0\"}");
            assertThat(get(api + "/hypervisors/" + full + "/guests").body()).isEqualTo("[\"" + GUEST_1 + "\",\"" + GUEST_2 + "\"]");
            String list = get(api + "/hypervisors").body();
            assertThat(list).contains(fullJson).contains(wrappedJson).doesNotContain(corrupt);
            assertThat(get(api + "/hypervisors/" + corrupt).statusCode()).isEqualTo(404);
            // The wrapped record is patched like any other, its uint64s kept exactly.
            HttpResponse<String> patched = send(HttpRequest.newBuilder(URI.create(api + "/hypervisors/" + wrapped))
                    .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"metadata\":{\"rack\":\"r13\"}}")));
            assertThat(patched.statusCode()).as(patched.body()).isEqualTo(200);
            assertThat(patched.body()).isEqualTo(wrappedJson.replace("r12", "r13"));
        }
    }

    @Test
    @DisplayName("a second run changes nothing and exits 0")
    void givenMigrated_secondRun_changesNothing() throws Exception {
        String id = UUID.randomUUID().toString();
        writeFullHypervisor(id);
        v2Put(HV + id + "/heartbeat", "2026-12-01T21:00:00Z", 60);
        Run first = migrate();
        assertThat(first.status()).as(first.toString()).isZero();
        Map<String, String> after = v3Under(HV);
        long revision = v3.currentRevision();

        Run second = migrate();

        assertThat(second.status()).as(second.toString()).isZero();
        assertThat(second.out()).isEqualTo("hypervisors: 0 copied, 1 unchanged, 0 conflicting, 0 unreadable; keys: 0 copied"
                + " (0 with a lease), 7 unchanged, 0 conflicting, 0 expired" + System.lineSeparator());
        assertThat(v3.currentRevision()).as("nothing written").isEqualTo(revision);
        assertThat(v3Under(HV)).isEqualTo(after);
    }

    @Test
    @DisplayName("a conflicting v3 value is reported and the whole hypervisor kept; --overwrite replaces it")
    void givenConflictingV3Value_migrate_reportsAndKeeps_overwriteReplaces() throws Exception {
        String id = UUID.randomUUID().toString();
        Map<String, String> keys = writeFullHypervisor(id);
        String dns = HV + id + "/config/dns";
        v3.commit(new Txn(List.of(), List.of(new Txn.Put(dns, "9.9.9.9"))));

        Run run = migrate();

        assertThat(run.status()).as(run.toString()).isEqualTo(1);
        assertThat(run.out()).isEqualTo("conflict " + dns + ": etcd v3 holds another value (kept; --overwrite replaces it)"
                + System.lineSeparator()
                + "hypervisors: 0 copied, 0 unchanged, 1 conflicting, 0 unreadable; keys: 0 copied"
                + " (0 with a lease), 0 unchanged, 1 conflicting, 0 expired" + System.lineSeparator());
        assertThat(v3Under(HV)).as("nothing of the hypervisor copied").isEqualTo(Map.of(dns, "9.9.9.9"));

        Run overwrite = migrate("--overwrite");

        assertThat(overwrite.status()).as(overwrite.toString()).isZero();
        assertThat(overwrite.out()).contains("overwrote " + dns).contains("copied " + HV + id + " (6 keys)")
                .contains("hypervisors: 1 copied, 0 unchanged, 0 conflicting, 0 unreadable");
        assertThat(v3Under(HV)).isEqualTo(keys);
    }

    @Test
    @DisplayName("--dry-run writes nothing and prints the same summary")
    void givenDryRun_migrate_writesNothing() throws Exception {
        String id = UUID.randomUUID().toString();
        writeFullHypervisor(id);
        v2Put(HV + id + "/heartbeat", "2026-12-01T21:00:00Z", 60);
        long revision = v3.currentRevision();

        Run run = migrate("--dry-run");

        assertThat(run.status()).as(run.toString()).isZero();
        assertThat(run.out()).isEqualTo("would copy " + HV + id + " (7 keys, 1 with a lease)" + System.lineSeparator()
                + "dry run, nothing written: hypervisors: 1 to copy, 0 unchanged, 0 conflicting, 0 unreadable;"
                + " keys: 7 to copy (1 with a lease), 0 unchanged, 0 conflicting, 0 expired" + System.lineSeparator());
        assertThat(v3Under(HV)).isEmpty();
        assertThat(v3.currentRevision()).isEqualTo(revision);
        assertThat(migrate().out()).contains("hypervisors: 1 copied");
    }

    @Test
    @DisplayName("an expired heartbeat is not copied; a heartbeat already in v3 is left alone, not a conflict")
    void givenHeartbeats_migrate_copiesOnlyLiveOnesWhereV3HasNone() throws Exception {
        String expired = UUID.randomUUID().toString();
        String held = UUID.randomUUID().toString();
        v2Put(HV + expired + "/metadata", record(expired, PLAIN));
        v2Put(HV + expired + "/heartbeat", "old", 1);
        v2Put(HV + held + "/metadata", record(held, PLAIN));
        v2Put(HV + held + "/heartbeat", "from v2", 60);
        v3.commit(new Txn(List.of(), List.of(new Txn.Put(HV + held + "/heartbeat", "from a v3 agent"))));
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (send(HttpRequest.newBuilder(v2(HV + expired + "/heartbeat")).GET()).statusCode() != 404) {
            assertThat(System.nanoTime()).as("v2 expires the 1 s heartbeat").isLessThan(deadline);
            Thread.sleep(200);
        }

        Run run = migrate();

        assertThat(run.status()).as(run.toString()).isZero();
        assertThat(run.out()).contains("copied " + HV + expired + " (1 key)").contains("copied " + HV + held + " (1 key)")
                .contains("; keys: 2 copied (0 with a lease), 1 unchanged, 0 conflicting");
        assertThat(v3Under(HV)).doesNotContainKey(HV + expired + "/heartbeat")
                .containsEntry(HV + held + "/heartbeat", "from a v3 agent");
    }

    @Test
    @DisplayName("a v3 writer between planning and committing fails the guarded transaction; the hypervisor is planned again and its value kept")
    void givenConcurrentV3Writer_migrate_doesNotOverwriteItSilently() throws Exception {
        String id = UUID.randomUUID().toString();
        Map<String, String> keys = writeFullHypervisor(id);
        String dns = HV + id + "/config/dns";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        MigrateV2 migration = new MigrateV2(
                MigrateV2.parse(new String[] {"--from", ETCD.server().endpoint(), "--kv", ETCD.server().kvAddress()}),
                new V2Keyspace(URI.create(ETCD.server().endpoint()), null, null), v3,
                new PrintStream(out, true, StandardCharsets.UTF_8));
        int[] commits = {0};
        migration.beforeCommit = () -> {
            if (commits[0]++ == 0) {
                v3.commit(new Txn(List.of(), List.of(new Txn.Put(dns, "written meanwhile"))));
            }
        };

        MigrateV2.Summary summary = migration.migrate();

        assertThat(commits[0]).as("planned and committed once, then planned again").isEqualTo(1);
        assertThat(summary.count(MigrateV2.Outcome.CONFLICTING)).isEqualTo(1);
        assertThat(summary.refusedAny()).isTrue();
        assertThat(out.toString(StandardCharsets.UTF_8))
                .contains("conflict " + dns + ": etcd v3 holds another value (kept; --overwrite replaces it)");
        assertThat(v3Under(HV)).isEqualTo(Map.of(dns, "written meanwhile"));
        assertThat(keys).containsKey(dns);
    }

    @Test
    @DisplayName("nothing under the prefix in v2: nothing to do, exit 0")
    void givenEmptyV2_migrate_copiesNothing() {
        Run run = migrate();
        assertThat(run.status()).as(run.toString()).isZero();
        assertThat(run.out()).startsWith("hypervisors: 0 copied, 0 unchanged, 0 conflicting, 0 unreadable;");
    }

    @Test
    @DisplayName("an unreachable --from is one line on standard error and a non-zero exit")
    void givenUnreachableFrom_migrate_failsInOneLine() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        Run run = run("--from", "http://127.0.0.1:" + port, "--kv", ETCD.server().kvAddress());
        assertThat(run.status()).isEqualTo(1);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).isEqualTo("chypervisord migrate-v2: cannot reach etcd's v2 API at http://127.0.0.1:"
                + port + ": connection refused or timed out" + System.lineSeparator());
    }

    @Test
    @DisplayName("usage: --from is required (2), -h explains the command (0), --kv must be etcd (2)")
    void usage() {
        Run missing = run("--kv", ETCD.server().kvAddress());
        assertThat(missing.status()).isEqualTo(2);
        assertThat(missing.err()).startsWith("chypervisord migrate-v2: --from is required").hasLineCount(1);
        Run help = run("-h");
        assertThat(help.status()).isZero();
        assertThat(help.out()).contains("Usage: chypervisord migrate-v2 --from").contains("--dry-run").contains("--overwrite");
        Run consul = run("--from", ETCD.server().endpoint(), "--kv", "consul://127.0.0.1:8500");
        assertThat(consul.status()).isEqualTo(2);
        assertThat(consul.err()).contains("migrate-v2 copies into etcd v3").hasLineCount(1);
        Run bad = run("--from", "ftp://x:1");
        assertThat(bad.status()).isEqualTo(2);
        assertThat(bad.err()).contains("invalid --from ftp://x:1").hasLineCount(1);
    }

    // ---------------------------------------------------------------- helpers

    private Run migrate(String... extra) {
        String[] args = new String[4 + extra.length];
        args[0] = "--from";
        args[1] = ETCD.server().endpoint();
        args[2] = "--kv";
        args[3] = ETCD.server().kvAddress();
        System.arraycopy(extra, 0, args, 4, extra.length);
        return run(args);
    }

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = MigrateV2.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), Map.of());
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private URI v2(String key) {
        return URI.create(ETCD.server().endpoint() + "/v2/keys/" + key);
    }

    /** A v2 PUT as go-etcd sends it: form-encoded {@code value} and, for a heartbeat, {@code ttl}. */
    private void v2Put(String key, String value, long ttlSeconds) throws Exception {
        String form = "value=" + URLEncoder.encode(value, StandardCharsets.UTF_8) + (ttlSeconds > 0 ? "&ttl=" + ttlSeconds : "");
        HttpResponse<String> r = send(HttpRequest.newBuilder(v2(key))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .PUT(HttpRequest.BodyPublishers.ofString(form)));
        assertThat(r.statusCode()).as(r.body()).isIn(200, 201);
    }

    private void v2Put(String key, String value) throws Exception {
        v2Put(key, value, 0);
    }

    private Map<String, String> v3Under(String prefix) {
        Map<String, String> out = new TreeMap<>();
        for (KeyValue kv : v3.read(prefix).entries()) {
            out.put(kv.key(), kv.value());
        }
        return out;
    }

    /** The remaining TTL of the lease {@code key} is attached to, through etcd's v3 JSON gateway; -1 without one. */
    private long leaseTtl(String key) throws Exception {
        String b64 = Base64.getEncoder().encodeToString(key.getBytes(StandardCharsets.UTF_8));
        JsonNode range = post("/v3/kv/range", "{\"key\":\"" + b64 + "\"}");
        long lease = range.path("kvs").path(0).path("lease").asLong(0);
        if (lease == 0) {
            return -1;
        }
        return post("/v3/lease/timetolive", "{\"ID\":" + lease + "}").path("TTL").asLong();
    }

    private JsonNode post(String path, String body) throws Exception {
        HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(ETCD.server().endpoint() + path))
                .POST(HttpRequest.BodyPublishers.ofString(body)));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return MAPPER.readTree(r.body());
    }

    private HttpResponse<String> get(String uri) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(uri)).GET());
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }
}
