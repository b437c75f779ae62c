package io.lochness.chypervisord.bootstrap;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

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
                  (etcd://host:port[,host:port...], consul://host:port, mem://,
                   or http(s)://host:port to probe etcd, then Consul)
              -l, --log-level="warn": log level (debug, info, warn, error, fatal, panic)
                  --log-format="text": log line format (text, or json: one object per line)
              -p, --port=17000: listen port
                  --view=on: serve reads from a watch-fed view of the registry in memory (on),
                  or read the store on every request (off)
              -h, --help: print this help
                  --version: print the version and the git commit, and exit
            Every flag can also be set in the environment as CHYPERVISORD_ and its long name in
            capitals, - as _ (CHYPERVISORD_KV, CHYPERVISORD_LOG_LEVEL, CHYPERVISORD_LOG_FORMAT,
            CHYPERVISORD_PORT, CHYPERVISORD_VIEW); a flag on the command line wins over its variable.
            Environment: ETCD_USERNAME, ETCD_PASSWORD (etcd), CONSUL_HTTP_TOKEN, CONSUL_DATACENTER (Consul)
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
            new Flag(null, "view"));

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
        for (Map.Entry<String, String> e : values.entrySet()) {
            String value = e.getValue();
            try {
                switch (e.getKey()) {
                    case "kv" -> kv = value;
                    case "log-level" -> level = LogLevel.parse(value);
                    case "log-format" -> style = LogStyle.parse(value);
                    case "port" -> port = port(value);
                    case "view" -> view = onOff("--view", value);
                    default -> throw new IllegalStateException("flag without a setting: " + e.getKey());
                }
            } catch (UsageException bad) {
                String origin = origins.get(e.getKey());
                throw origin.startsWith("environment")
                        ? new UsageException(bad.getMessage() + " (from the " + origin + ")")
                        : bad;
            }
        }
        return Optional.of(new Settings(kv, level, port, style, view));
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
