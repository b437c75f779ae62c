package io.lochness.chypervisord.bootstrap;

import io.lochness.chypervisord.adapter.in.http.ServerLimits;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the seed's flags in both spellings, as Go's pflag does: {@code -k value}, {@code
 * -k=value}, {@code -kvalue}, {@code --kv value}, {@code --kv=value}; likewise {@code -l/--log-level}
 * and {@code -p/--port}; {@code -h/--help}. Every flag may also come from the environment as
 * {@code CHYPERVISORD_} and its long name in capitals ({@code --log-level}: {@code
 * CHYPERVISORD_LOG_LEVEL}); the command line wins. A flag added to {@link #FLAGS} follows the
 * same rule.
 */
public final class Flags {
    public static final String USAGE = """
            Usage of chypervisord:
              -k, --kv="http://localhost:4001": address of kv machine
                  (etcd://host[:port][,host[:port]...] (port 2379), consul://host[:port] (8500), mem://,
                   or http(s)://host:port to probe etcd, then Consul)
              -l, --log-level="warn": log level (debug, info, warn, error, fatal, panic)
                  --log-format="text": log line format (text, or json: one object per line)
              -p, --port=17000: listen port
                  --view=on: serve reads from a watch-fed view of the registry in memory (on),
                  or read the store on every request (off)
                  --address=ADDRESS: listen address (default: all interfaces)
                  --tls-cert=FILE, --tls-key=FILE: serve HTTPS only, with this PEM certificate (chain) and key
                  --tls-client-ca=FILE: also require a client certificate signed by this PEM CA (mutual TLS)
                  --auth-file=FILE: access rules, CREDENTIAL,NAME,ROLE a line (sha256:HEX or cn:NAME; reader or writer)
                  --allowed-origins=ORIGIN[,ORIGIN...]: web origins allowed to call (default: none)
                  --max-connections=N: open connections (default: from the heap and the open-file limit)
                  --max-requests=N: requests handled at once; more wait up to 10s (default: from the heap)
                  --idle-timeout=60s: close a connection with no request in progress after this
                  --header-timeout=10s: time a client has to send a request's headers
                  --body-timeout=10s: time a request body has before --min-body-rate applies
                  --min-body-rate=16384: bytes per second a body must keep up after that (0: off)
              -h, --help: print this help
                  --version: print the version and the git commit, and exit
            Every flag can also be set in the environment as CHYPERVISORD_ and its long name in
            capitals, - as _ (CHYPERVISORD_KV, CHYPERVISORD_LOG_LEVEL, CHYPERVISORD_LOG_FORMAT,
            CHYPERVISORD_PORT, CHYPERVISORD_VIEW, CHYPERVISORD_AUTH_FILE, ...); the command line wins
            over the variable. SIGHUP re-reads the certificates and the access file.
            Store environment: ETCD_USERNAME, ETCD_PASSWORD, ETCD_CACERT, ETCD_CERT, ETCD_KEY (etcd);
            CONSUL_HTTP_ADDR, CONSUL_HTTP_TOKEN, CONSUL_CACERT, CONSUL_CLIENT_CERT, CONSUL_CLIENT_KEY,
            CONSUL_TLS_SERVER_NAME (Consul's own); CONSUL_DATACENTER (chypervisord's: sent as ?dc=)
            Command: chypervisord migrate-v2 --from http(s)://HOST:PORT copies the original lochness's
                etcd v2 data into etcd v3 (chypervisord migrate-v2 -h explains it)
            """;

    /** A flag that takes a value: its one-letter name (or null) and its long name. */
    record Flag(String shortName, String longName) {
        /** The environment variable that sets this flag when the command line does not. */
        String envName() {
            return "CHYPERVISORD_" + longName.toUpperCase(Locale.ROOT).replace('-', '_');
        }
    }

    /** Every flag that takes a value; the environment rule applies to each. */
    static final List<Flag> FLAGS = List.of(
            new Flag("k", "kv"),
            new Flag("l", "log-level"),
            new Flag(null, "log-format"),
            new Flag("p", "port"),
            new Flag(null, "view"),
            new Flag(null, "address"),
            new Flag(null, "tls-cert"),
            new Flag(null, "tls-key"),
            new Flag(null, "tls-client-ca"),
            new Flag(null, "auth-file"),
            new Flag(null, "allowed-origins"),
            new Flag(null, "max-connections"),
            new Flag(null, "max-requests"),
            new Flag(null, "idle-timeout"),
            new Flag(null, "header-timeout"),
            new Flag(null, "body-timeout"),
            new Flag(null, "min-body-rate"));

    private Flags() {}

    /** The settings, or empty when help was asked for; throws {@link UsageException} on bad input. */
    public static Optional<Settings> parse(String... args) {
        return parse(System.getenv(), args);
    }

    /** As {@link #parse(String...)}, with {@code env} as the environment. */
    public static Optional<Settings> parse(Map<String, String> env, String... args) {
        // Long name to value, and where the value came from (for error messages).
        Map<String, String> values = new LinkedHashMap<>();
        Map<String, String> origins = new LinkedHashMap<>();
        for (Flag flag : FLAGS) {
            String value = env.get(flag.envName());
            if (value != null && !value.isEmpty()) {
                values.put(flag.longName(), value);
                origins.put(flag.longName(), "environment variable " + flag.envName());
            }
        }
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("-h") || arg.equals("--help") || arg.equals("-help")) {
                return Optional.empty();
            }
            String name;
            String value = null;
            if (arg.startsWith("--")) {
                int eq = arg.indexOf('=');
                name = eq < 0 ? arg.substring(2) : arg.substring(2, eq);
                value = eq < 0 ? null : arg.substring(eq + 1);
            } else if (arg.startsWith("-") && arg.length() >= 2) {
                name = arg.substring(1, 2);
                if (arg.length() > 2) {
                    value = arg.charAt(2) == '=' ? arg.substring(3) : arg.substring(2);
                }
            } else {
                throw new UsageException("unexpected argument " + arg + " (see --help)");
            }
            Flag flag = FLAGS.stream()
                    .filter(f -> name.equals(f.longName()) || (name.length() == 1 && name.equals(f.shortName())))
                    .findFirst()
                    .orElseThrow(() -> new UsageException("unknown flag: " + arg + " (see --help)"));
            if (value == null) {
                if (i + 1 >= args.length) {
                    throw new UsageException("flag needs an argument: " + arg);
                }
                value = args[++i];
            }
            values.put(flag.longName(), value);
            origins.put(flag.longName(), arg);
        }
        String kv = Settings.DEFAULT_KV;
        LogLevel level = LogLevel.WARN;
        LogStyle style = LogStyle.TEXT;
        int port = Settings.DEFAULT_PORT;
        boolean view = true;
        ServerLimits d = ServerLimits.defaults();
        int maxConnections = d.maxConnections();
        int maxRequests = d.maxConcurrentRequests();
        Duration idle = d.idleTimeout();
        Duration header = d.headerTimeout();
        Duration body = d.bodyTimeout();
        long minBodyRate = d.minBodyRate();
        String address = null;
        Path tlsCert = null;
        Path tlsKey = null;
        Path tlsClientCa = null;
        Path authFile = null;
        List<String> allowedOrigins = List.of();
        for (Map.Entry<String, String> e : values.entrySet()) {
            String flag = e.getKey();
            String value = e.getValue();
            try {
                switch (e.getKey()) {
                    case "kv" -> kv = value;
                    case "log-level" -> level = LogLevel.parse(value);
                    case "log-format" -> style = LogStyle.parse(value);
                    case "port" -> port = port(value);
                    case "view" -> view = onOff("--view", value);
                    case "max-connections" -> maxConnections = (int) number(flag, value, 1, 1_000_000);
                    case "max-requests" -> maxRequests = (int) number(flag, value, 1, 100_000);
                    case "idle-timeout" -> idle = duration(flag, value);
                    case "header-timeout" -> header = duration(flag, value);
                    case "body-timeout" -> body = duration(flag, value);
                    case "min-body-rate" -> minBodyRate = number(flag, value, 0, Integer.MAX_VALUE);
                    case "address" -> address = address(value);
                    case "tls-cert" -> tlsCert = file(flag, value);
                    case "tls-key" -> tlsKey = file(flag, value);
                    case "tls-client-ca" -> tlsClientCa = file(flag, value);
                    case "auth-file" -> authFile = file(flag, value);
                    case "allowed-origins" -> allowedOrigins = origins(value);
                    default -> throw new IllegalStateException("flag without a setting: " + e.getKey());
                }
            } catch (UsageException bad) {
                String origin = origins.get(e.getKey());
                throw origin.startsWith("environment")
                        ? new UsageException(bad.getMessage() + " (from the " + origin + ")")
                        : bad;
            }
        }
        return Optional.of(new Settings(kv, level, port, style, view,
                new ServerLimits(maxConnections, maxRequests, d.queueTimeout(), idle, header, body, minBodyRate),
                new Security(address, tlsCert, tlsKey, tlsClientCa, authFile, allowedOrigins)));
    }

    /** True when {@code --version} is among the arguments: print the version and exit. */
    public static boolean asksForVersion(String... args) {
        for (String arg : args) {
            if (arg.equals("--version") || arg.equals("-version")) {
                return true;
            }
        }
        return false;
    }

    private static boolean onOff(String flag, String value) {
        return switch (value) {
            case "on", "true" -> true;
            case "off", "false" -> false;
            default -> throw new UsageException("invalid " + flag + " value " + value + " (want on or off)");
        };
    }

    private static long number(String flag, String value, long min, long max) {
        try {
            long n = Long.parseLong(value);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new UsageException("invalid --" + flag + " " + value + " (want a whole number from " + min + " to " + max + ")");
    }

    private static final Pattern DURATION_PART = Pattern.compile("(\\d+)(ms|s|m|h)");

    /** A duration as Go writes one ({@code 1m30s}, {@code 500ms}, {@code 10s}), or whole seconds; 1 ms to 24 h. */
    static Duration duration(String flag, String value) {
        Duration total = Duration.ZERO;
        try {
            if (value.matches("\\d+")) {
                total = Duration.ofSeconds(Long.parseLong(value));
            } else {
                Matcher m = DURATION_PART.matcher(value);
                int at = 0;
                while (at < value.length() && m.find(at) && m.start() == at) {
                    long n = Long.parseLong(m.group(1));
                    total = total.plus(switch (m.group(2)) {
                        case "ms" -> Duration.ofMillis(n);
                        case "s" -> Duration.ofSeconds(n);
                        case "m" -> Duration.ofMinutes(n);
                        default -> Duration.ofHours(n);
                    });
                    at = m.end();
                }
                if (at != value.length() || at == 0) {
                    total = Duration.ZERO;
                }
            }
        } catch (NumberFormatException | ArithmeticException e) {
            total = Duration.ZERO;
        }
        if (total.compareTo(Duration.ofMillis(1)) < 0 || total.compareTo(Duration.ofHours(24)) > 0) {
            throw new UsageException("invalid --" + flag + " " + value + " (want a duration such as 10s, 500ms or 1m30s, from 1ms to 24h)");
        }
        return total;
    }

    private static Path file(String flag, String value) {
        if (value.isBlank()) {
            throw new UsageException("--" + flag + " needs a file name");
        }
        return Path.of(value);
    }

    /** An IP address literal or a host name that resolves (the listener binds to it). */
    private static String address(String value) {
        if (value.isBlank()) {
            throw new UsageException("invalid --address: empty");
        }
        try {
            InetAddress.getByName(value);
        } catch (UnknownHostException | SecurityException e) {
            throw new UsageException("invalid --address " + value + ": not an IP address or a known host name");
        }
        return value;
    }

    /** Web origins as browsers send them: scheme://host[:port], no path. */
    private static List<String> origins(String value) {
        List<String> out = new ArrayList<>();
        for (String o : value.split(",")) {
            String origin = o.strip();
            if (origin.isEmpty()) {
                continue;
            }
            if (!origin.matches("https?://[^/\\s]+")) {
                throw new UsageException("invalid origin in --allowed-origins: " + origin + " (want scheme://host[:port])");
            }
            out.add(origin);
        }
        return out;
    }

    private static int port(String value) {
        try {
            int port = Integer.parseInt(value);
            if (port >= 0 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new UsageException("invalid port " + value + " (want 0 to 65535)");
    }
}
