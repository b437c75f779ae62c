package io.lochness.chypervisord.bootstrap;

import io.lochness.chypervisord.adapter.in.http.ServerLimits;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the seed's flags in both spellings, as Go's pflag does: {@code -k value}, {@code
 * -k=value}, {@code -kvalue}, {@code --kv value}, {@code --kv=value}; likewise {@code -l/--log-level}
 * and {@code -p/--port}; {@code -h/--help}.
 */
public final class Flags {
    public static final String USAGE = """
            Usage of chypervisord:
              -k, --kv="http://localhost:4001": address of kv machine
                  (etcd://host:port[,host:port...], consul://host:port, mem://,
                   or http(s)://host:port to probe etcd, then Consul)
              -l, --log-level="warn": log level (debug, info, warn, error, fatal, panic)
              -p, --port=17000: listen port
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
            SIGHUP re-reads the certificates and the access file.
            Environment: ETCD_USERNAME, ETCD_PASSWORD (etcd), CONSUL_HTTP_TOKEN, CONSUL_DATACENTER (Consul)
            """;

    private Flags() {}

    /** The settings, or empty when help was asked for; throws {@link UsageException} on bad input. */
    public static Optional<Settings> parse(String... args) {
        String kv = Settings.DEFAULT_KV;
        LogLevel level = LogLevel.WARN;
        int port = Settings.DEFAULT_PORT;
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
        List<String> origins = List.of();
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
            String flag = switch (name) {
                case "k", "kv" -> "kv";
                case "l", "log-level" -> "log-level";
                case "p", "port" -> "port";
                case "max-connections", "max-requests", "idle-timeout", "header-timeout", "body-timeout",
                        "min-body-rate", "address", "tls-cert", "tls-key", "tls-client-ca", "auth-file",
                        "allowed-origins" -> name;
                default -> throw new UsageException("unknown flag: " + arg + " (see --help)");
            };
            if (value == null) {
                if (i + 1 >= args.length) {
                    throw new UsageException("flag needs an argument: " + arg);
                }
                value = args[++i];
            }
            switch (flag) {
                case "kv" -> kv = value;
                case "log-level" -> level = LogLevel.parse(value);
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
                case "allowed-origins" -> origins = origins(value);
                default -> port = port(value);
            }
        }
        return Optional.of(new Settings(kv, level, port, new ServerLimits(maxConnections, maxRequests,
                d.queueTimeout(), idle, header, body, minBodyRate),
                new Security(address, tlsCert, tlsKey, tlsClientCa, authFile, origins)));
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
        List<String> out = new java.util.ArrayList<>();
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
