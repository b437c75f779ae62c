package io.lochness.chypervisord.bootstrap;

import java.util.Optional;

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
              --view=on: serve reads from a watch-fed view of the registry in memory (on),
                  or read the store on every request (off)
              -h, --help: print this help
            Environment: ETCD_USERNAME, ETCD_PASSWORD (etcd), CONSUL_HTTP_TOKEN, CONSUL_DATACENTER (Consul)
            Command: chypervisord migrate-v2 --from http(s)://HOST:PORT copies the original lochness's
                etcd v2 data into etcd v3 (chypervisord migrate-v2 -h explains it)
            """;

    private Flags() {}

    /** The settings, or empty when help was asked for; throws {@link UsageException} on bad input. */
    public static Optional<Settings> parse(String... args) {
        String kv = Settings.DEFAULT_KV;
        LogLevel level = LogLevel.WARN;
        int port = Settings.DEFAULT_PORT;
        boolean view = true;
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
                case "view" -> "view";
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
                case "view" -> view = onOff(arg, value);
                default -> port = port(value);
            }
        }
        return Optional.of(new Settings(kv, level, port, view));
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
