package io.lochness.chypervisord.bootstrap;

import io.lochness.chypervisord.adapter.out.etcd.EtcdKeyValueStore;
import io.lochness.chypervisord.adapter.out.etcd.EtcdSettings;
import io.lochness.chypervisord.adapter.out.kv.LochnessLayout;
import io.lochness.chypervisord.adapter.out.kv.StoredRecords;
import io.lochness.chypervisord.adapter.out.kv.spi.KeyValue;
import io.lochness.chypervisord.adapter.out.kv.spi.StoreAddress;
import io.lochness.chypervisord.adapter.out.kv.spi.Txn;
import io.lochness.chypervisord.adapter.out.kv.spi.TxnResult;
import io.lochness.chypervisord.domain.model.StoreUnavailableException;
import io.lochness.chypervisord.domain.model.StoredDataInvalidException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code chypervisord migrate-v2}: copies the original lochness daemons' data from etcd's v2
 * keyspace into the v3 keyspace this service reads, one transaction per hypervisor.
 */
final class MigrateV2 {
    static final String USAGE = """
            Usage: chypervisord migrate-v2 --from http(s)://HOST:PORT [--kv ADDRESS] [--prefix PREFIX]
                                           [--dry-run] [--overwrite]
            Copies every key under PREFIX from etcd's v2 keyspace (where the original lochness
            daemons keep their data) into the etcd v3 store that --kv names, the v2 key's
            leading / dropped and values unchanged. Each hypervisor is validated as the API
            reads it and written in one transaction with all its keys; one whose record cannot
            be read is reported and not copied. A v2 key with a TTL (an agent's heartbeat) is
            copied only while alive, with a v3 lease of its remaining time, and only where v3
            has no such key yet. Safe to run again: a key already holding the same value is
            left alone; a hypervisor with a key holding another value is reported and left
            alone unless --overwrite.
              --from=URL: etcd's client URL serving the v2 API (etcd 3.4 with --enable-v2)
              -k, --kv="http://localhost:4001": the etcd v3 store to copy into
                  (etcd://host:port[,host:port...] or http(s)://host:port)
              --prefix="lochness/hypervisors/": what to copy; keys outside
                  lochness/hypervisors/ (with a broader prefix) are copied key by key
              --dry-run: write nothing; print what would be copied and the same summary
              --overwrite: replace v3 values that differ from v2
              -h, --help: print this help
            Exit status: 0 when nothing was refused (no conflict, no unreadable record), 1 when
            something was, or either store failed; 2 for a usage error.
            Environment: ETCD_USERNAME, ETCD_PASSWORD (both stores, as for the service; v2 as
            basic auth), ETCD_CACERT, ETCD_CERT, ETCD_KEY (the v3 store's TLS)
            """;

    /** How many times a hypervisor is planned again when a concurrent writer changed it. */
    private static final int ATTEMPTS = 3;

    /** What happened to one hypervisor (or one key outside the hypervisors). */
    enum Outcome { COPIED, UNCHANGED, CONFLICTING, UNREADABLE, FAILED }

    /** The parsed command line. */
    record Options(URI from, String kv, String prefix, boolean dryRun, boolean overwrite) {}

    /** The counts the summary prints. */
    static final class Summary {
        final Map<Outcome, Integer> hypervisors = new LinkedHashMap<>();
        int keysCopied;
        int keysLeased;
        int keysUnchanged;
        int keysConflicting;
        int keysExpired;
        int keysOutside;

        Summary() {
            for (Outcome o : Outcome.values()) {
                hypervisors.put(o, 0);
            }
        }

        int count(Outcome o) {
            return hypervisors.get(o);
        }

        boolean refusedAny() {
            return count(Outcome.CONFLICTING) + count(Outcome.UNREADABLE) + count(Outcome.FAILED) + keysConflicting > 0;
        }

        String line(boolean dryRun) {
            return (dryRun ? "dry run, nothing written: " : "") + "hypervisors: "
                    + count(Outcome.COPIED) + (dryRun ? " to copy, " : " copied, ")
                    + count(Outcome.UNCHANGED) + " unchanged, "
                    + count(Outcome.CONFLICTING) + " conflicting, "
                    + count(Outcome.UNREADABLE) + " unreadable"
                    + (count(Outcome.FAILED) > 0 ? ", " + count(Outcome.FAILED) + " failed" : "")
                    + "; keys: " + keysCopied + (dryRun ? " to copy" : " copied")
                    + " (" + keysLeased + " with a lease), " + keysUnchanged + " unchanged, "
                    + keysConflicting + " conflicting, " + keysExpired + " expired"
                    + (keysOutside > 0 ? "; " + keysOutside + " of the keys outside " + LochnessLayout.HYPERVISORS : "");
        }
    }

    private final Options options;
    private final V2Keyspace v2;
    private final EtcdKeyValueStore v3;
    private final PrintStream out;
    private final Summary summary = new Summary();
    /** Runs between planning a hypervisor and committing it; tests play a concurrent writer here. */
    Runnable beforeCommit = () -> { };

    MigrateV2(Options options, V2Keyspace v2, EtcdKeyValueStore v3, PrintStream out) {
        this.options = options;
        this.v2 = v2;
        this.v3 = v3;
        this.out = out;
    }

    /** Runs the command; returns the exit status. */
    static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> env) {
        Options options;
        try {
            options = parse(args);
        } catch (UsageException e) {
            err.println("chypervisord migrate-v2: " + e.getMessage());
            return 2;
        }
        if (options == null) {
            out.print(USAGE);
            return 0;
        }
        Logging.configure(LogLevel.WARN, LogStyle.TEXT); // the gRPC client's INFO lines are not the command's output
        EtcdKeyValueStore store;
        try {
            store = new EtcdKeyValueStore(EtcdSettings.parse(options.kv(), env));
        } catch (IllegalArgumentException e) {
            err.println("chypervisord migrate-v2: invalid --kv " + options.kv() + ": " + e.getMessage());
            return 2;
        }
        try (store) {
            V2Keyspace v2 = new V2Keyspace(options.from(), env.get(EtcdSettings.USERNAME_ENV), env.get(EtcdSettings.PASSWORD_ENV));
            Summary summary = new MigrateV2(options, v2, store, out).migrate();
            out.println(summary.line(options.dryRun()));
            return summary.refusedAny() ? 1 : 0;
        } catch (V2Keyspace.V2Exception | StoreUnavailableException e) {
            err.println("chypervisord migrate-v2: " + e.getMessage());
            return 1;
        }
    }

    /** The options, or null when help was asked for. */
    static Options parse(String[] args) {
        String from = null;
        String kv = Settings.DEFAULT_KV;
        String prefix = LochnessLayout.HYPERVISORS;
        boolean dryRun = false;
        boolean overwrite = false;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("-h") || arg.equals("--help") || arg.equals("-help")) {
                return null;
            }
            int eq = arg.indexOf('=');
            String name = arg.startsWith("--") ? (eq < 0 ? arg.substring(2) : arg.substring(2, eq)) : arg.equals("-k") ? "kv" : null;
            if (name == null) {
                throw new UsageException("unexpected argument " + arg + " (see --help)");
            }
            switch (name) {
                case "dry-run", "overwrite" -> {
                    if (eq >= 0) {
                        throw new UsageException("--" + name + " takes no value");
                    }
                    if (name.equals("dry-run")) {
                        dryRun = true;
                    } else {
                        overwrite = true;
                    }
                }
                case "from", "kv", "prefix" -> {
                    String value;
                    if (arg.startsWith("--") && eq >= 0) {
                        value = arg.substring(eq + 1);
                    } else if (i + 1 < args.length) {
                        value = args[++i];
                    } else {
                        throw new UsageException("flag needs an argument: " + arg);
                    }
                    switch (name) {
                        case "from" -> from = value;
                        case "kv" -> kv = value;
                        default -> prefix = value;
                    }
                }
                default -> throw new UsageException("unknown flag: " + arg + " (see --help)");
            }
        }
        if (from == null) {
            throw new UsageException("--from is required: etcd's client URL serving the v2 API, e.g. --from http://127.0.0.1:2379");
        }
        return new Options(fromUri(from), kvAddress(kv), prefix(prefix), dryRun, overwrite);
    }

    private static URI fromUri(String text) {
        try {
            URI uri = new URI(text.endsWith("/") ? text.substring(0, text.length() - 1) : text);
            if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null
                    || uri.getPort() < 1 || uri.getUserInfo() != null || !(uri.getRawPath() == null || uri.getRawPath().isEmpty())
                    || uri.getRawQuery() != null) {
                throw new URISyntaxException(text, "want http(s)://host:port");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw new UsageException("invalid --from " + text + ": want http(s)://host:port"
                    + (text.contains("@") ? " (credentials go in ETCD_USERNAME/ETCD_PASSWORD)" : ""));
        }
    }

    private static String kvAddress(String kv) {
        StoreAddress address;
        try {
            address = StoreAddress.parse(kv);
        } catch (IllegalArgumentException e) {
            throw new UsageException("invalid --kv " + kv + ": " + e.getMessage());
        }
        return switch (address.scheme()) {
            case ETCD, HTTP, HTTPS -> kv;
            // The v2 keyspace lives in an etcd that also serves v3, and the original daemons can
            // only share the data there; copying into Consul or memory would strand heartbeats.
            default -> throw new UsageException("invalid --kv " + kv + ": migrate-v2 copies into etcd v3"
                    + " (etcd://host:port or http(s)://host:port)");
        };
    }

    private static String prefix(String prefix) {
        String p = prefix.startsWith("/") ? prefix.substring(1) : prefix;
        if (p.isEmpty()) {
            throw new UsageException("invalid --prefix " + prefix + ": give a key prefix such as " + LochnessLayout.HYPERVISORS);
        }
        return p.endsWith("/") ? p : p + "/";
    }

    /** Reads v2, then copies each hypervisor (and each key outside them); returns the counts. */
    Summary migrate() {
        long readAt = System.nanoTime();
        List<V2Keyspace.Entry> entries = v2.read(options.prefix());
        Map<String, List<V2Keyspace.Entry>> hypervisors = new TreeMap<>();
        List<V2Keyspace.Entry> outside = new ArrayList<>();
        for (V2Keyspace.Entry e : entries) {
            if (!e.key().startsWith(options.prefix())) {
                continue; // v2 answered a key outside what was asked: not ours to copy
            }
            if (e.key().startsWith(LochnessLayout.HYPERVISORS)) {
                String rest = e.key().substring(LochnessLayout.HYPERVISORS.length());
                int slash = rest.indexOf('/');
                String id = slash < 0 ? rest : rest.substring(0, slash);
                hypervisors.computeIfAbsent(id, k -> new ArrayList<>()).add(e);
            } else {
                outside.add(e);
            }
        }
        for (Map.Entry<String, List<V2Keyspace.Entry>> h : hypervisors.entrySet()) {
            String unit = LochnessLayout.HYPERVISORS + h.getKey();
            String problem = unreadable(unit, h.getValue());
            if (problem != null) {
                out.println("unreadable " + unit + ": " + problem + " (not copied)");
                summary.hypervisors.merge(Outcome.UNREADABLE, 1, Integer::sum);
                continue;
            }
            summary.hypervisors.merge(copy(unit, unit + "/", h.getValue(), readAt), 1, Integer::sum);
        }
        for (V2Keyspace.Entry e : outside) {
            summary.keysOutside++;
            copy(e.key(), e.key(), List.of(e), readAt);
        }
        return summary;
    }

    /** Why a hypervisor's keys cannot be served, or null when its record reads as the API reads it. */
    private static String unreadable(String unit, List<V2Keyspace.Entry> keys) {
        String recordKey = unit + "/metadata";
        for (V2Keyspace.Entry e : keys) {
            if (e.key().equals(recordKey)) {
                try {
                    StoredRecords.read(e.key(), e.value());
                    return null;
                } catch (StoredDataInvalidException ex) {
                    return ex.getMessage();
                }
            }
        }
        return "no record at " + recordKey;
    }

    /**
     * Copies {@code keys} (all under {@code prefix}) in one transaction guarded by what v3 held
     * when planned; a concurrent writer makes it plan again, at most {@value #ATTEMPTS} times.
     */
    private Outcome copy(String unit, String prefix, List<V2Keyspace.Entry> keys, long readAt) {
        for (int attempt = 1; ; attempt++) {
            Map<String, KeyValue> held = new TreeMap<>();
            for (KeyValue kv : v3.read(prefix).entries()) {
                held.put(kv.key(), kv);
            }
            List<Txn.Condition> conditions = new ArrayList<>();
            List<Txn.Mutation> puts = new ArrayList<>();
            Map<String, Long> leases = new LinkedHashMap<>();
            List<String> conflicts = new ArrayList<>();
            int unchanged = 0;
            int expired = 0;
            long elapsed = (System.nanoTime() - readAt) / 1_000_000_000L;
            for (V2Keyspace.Entry e : keys) {
                KeyValue now = held.get(e.key());
                if (e.expires()) {
                    long remaining = e.ttlSeconds() - elapsed;
                    if (remaining <= 0) {
                        expired++;
                        continue;
                    }
                    if (now != null) {
                        // A heartbeat already in v3 is newer news than a copy would be.
                        unchanged++;
                        continue;
                    }
                    leases.put(e.key(), remaining);
                } else if (now != null && now.value().equals(e.value())) {
                    unchanged++;
                    continue;
                } else if (now != null) {
                    conflicts.add(e.key());
                    if (!options.overwrite()) {
                        continue;
                    }
                }
                conditions.add(new Txn.KeyAt(e.key(), now == null ? 0 : now.revision()));
                puts.add(new Txn.Put(e.key(), e.value()));
            }
            if (!conflicts.isEmpty() && !options.overwrite()) {
                for (String key : conflicts) {
                    out.println("conflict " + key + ": etcd v3 holds another value (kept; --overwrite replaces it)");
                }
                summary.keysConflicting += conflicts.size();
                return Outcome.CONFLICTING;
            }
            if (puts.isEmpty()) {
                summary.keysUnchanged += unchanged;
                summary.keysExpired += expired;
                return Outcome.UNCHANGED;
            }
            if (held.isEmpty() && prefix.endsWith("/")) {
                // Nothing there yet: one range condition instead of one per key.
                conditions = List.of(new Txn.PrefixEmpty(prefix));
            }
            Txn txn = new Txn(conditions, puts);
            if (txn.size() > v3.maxTxnOperations()) {
                out.println("failed " + unit + ": " + puts.size() + " keys need " + txn.size()
                        + " operations in one transaction, more than etcd allows (" + v3.maxTxnOperations()
                        + ", --max-txn-ops); not copied");
                return Outcome.FAILED;
            }
            String verb = options.dryRun() ? "would copy " : "copied ";
            if (!options.dryRun()) {
                beforeCommit.run();
                TxnResult result = leases.isEmpty() ? v3.commit(txn) : v3.commitWithLeases(txn, leases);
                if (!result.committed()) {
                    if (attempt < ATTEMPTS) {
                        continue;
                    }
                    out.println("conflict " + unit + ": changed in etcd v3 by another writer while copying"
                            + " (" + ATTEMPTS + " attempts; nothing written)");
                    return Outcome.CONFLICTING;
                }
            }
            for (String key : conflicts) {
                out.println((options.dryRun() ? "would overwrite " : "overwrote ") + key);
            }
            out.println(verb + unit + " (" + puts.size() + (puts.size() == 1 ? " key" : " keys")
                    + (leases.isEmpty() ? "" : ", " + leases.size() + " with a lease") + ")");
            summary.keysCopied += puts.size();
            summary.keysLeased += leases.size();
            summary.keysUnchanged += unchanged;
            summary.keysExpired += expired;
            return Outcome.COPIED;
        }
    }
}
