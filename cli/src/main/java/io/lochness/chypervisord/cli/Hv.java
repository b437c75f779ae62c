package io.lochness.chypervisord.cli;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import javax.net.ssl.SSLContext;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * hv, the command-line client of chypervisord: the root command, its global options (inherited by
 * every command, so {@code hv list -j} and {@code hv -j list} are the same) and the entry point.
 * Exit status: 0 when all went well, 1 when any request failed, 2 for a usage error.
 */
@Command(name = "hv", mixinStandardHelpOptions = true, versionProvider = Hv.Version.class,
        description = {"hv is the command-line client of chypervisord, the hypervisor registry: it lists, creates, "
                + "modifies and deletes hypervisors, their config and subnets, lists their guests and follows "
                + "changes, over the service's HTTP API.",
            "",
            "Every command takes its arguments from the command line or, when none are given and standard input "
                    + "is not a terminal, from standard input, one a line: hv list | hv guests list"},
        subcommands = {ListCommand.class, CreateCommand.class, ModifyCommand.class, DeleteCommand.class,
            GuestsCommand.class, ConfigCommand.class, SubnetsCommand.class, WatchCommand.class,
            CompletionCommand.class, CommandLine.HelpCommand.class},
        footer = {"", "Exit status: 0 when all went well, 1 when any request failed (the others are still done), "
                + "2 for a usage error.",
            "Environment: HV_SERVER (default of --server), HV_TOKEN (default of --token)."})
public final class Hv implements Callable<Integer> {
    static final String DEFAULT_SERVER = "http://localhost:17000";

    @Option(names = {"-s", "--server"}, paramLabel = "URL", scope = ScopeType.INHERIT,
            description = "the service's URL (default: $HV_SERVER, else " + DEFAULT_SERVER + ")")
    String server;

    @Option(names = {"-j", "--json"}, scope = ScopeType.INHERIT,
            description = "print one JSON object a line instead of the human view")
    boolean json;

    @Option(names = "--token", paramLabel = "TOKEN", scope = ScopeType.INHERIT,
            description = "send 'Authorization: Bearer TOKEN' (default: $HV_TOKEN; prefer it: "
                    + "a command line is visible to other users)")
    String token;

    @Option(names = "--cacert", paramLabel = "FILE", scope = ScopeType.INHERIT,
            description = "trust the CA certificate(s) in this PEM file (instead of the JVM's) for an https URL")
    Path cacert;

    @Spec
    CommandSpec spec;

    private final Io io;
    private Client client;

    Hv(Io io) {
        this.io = io;
    }

    public static void main(String[] args) {
        System.exit(run(args, Io.system()));
    }

    /** Runs one command line; returns the exit status. */
    static int run(String[] args, Io io) {
        CommandLine commandLine = new CommandLine(new Hv(io));
        commandLine.setOut(io.out());
        commandLine.setErr(io.err());
        commandLine.setExpandAtFiles(false);
        commandLine.setParameterExceptionHandler((e, arguments) -> {
            String message = e.getMessage();
            if (e instanceof CommandLine.UnmatchedArgumentException unmatched && !unmatched.getSuggestions().isEmpty()) {
                message += " (did you mean: " + String.join(", ", unmatched.getSuggestions()) + "?)";
            }
            io.error(message + " (see '" + e.getCommandLine().getCommandSpec().qualifiedName() + " -h')");
            return 2;
        });
        commandLine.setExecutionExceptionHandler((e, command, parsed) -> {
            if (e instanceof ApiException api) {
                io.error(api.line());
            } else if (e instanceof FatalException) {
                io.error(e.getMessage());
            } else {
                io.error("unexpected " + e);
            }
            return 1;
        });
        int status = commandLine.execute(args);
        io.out().flush();
        io.err().flush();
        return status;
    }

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "missing a command");
    }

    Io io() {
        return io;
    }

    boolean json() {
        return json;
    }

    /**
     * The client for this run: --server, --token and --cacert (or their environment variables)
     * applied; a bad one is a usage error of {@code command}.
     */
    Client client(CommandLine command) {
        if (client == null) {
            String url = serverUrl(server, io.env());
            String bearer = token != null ? token : io.env().get("HV_TOKEN");
            SSLContext ssl = cacert == null ? null : Pem.sslContext(cacert, command);
            client = new Client(serverUri(url, command), bearer == null || bearer.isBlank() ? null : bearer.strip(), ssl);
        }
        return client;
    }

    /** The service's URL: --server, else $HV_SERVER (when set and not empty), else the default. */
    static String serverUrl(String option, Map<String, String> env) {
        if (option != null) {
            return option;
        }
        String fromEnv = env.get("HV_SERVER");
        return fromEnv == null || fromEnv.isBlank() ? DEFAULT_SERVER : fromEnv;
    }

    private static URI serverUri(String url, CommandLine command) {
        String text = url.strip();
        if (!text.contains("://")) {
            text = "http://" + text;
        }
        try {
            URI uri = new URI(text);
            if ((uri.getScheme().equals("http") || uri.getScheme().equals("https")) && uri.getHost() != null
                    && uri.getRawQuery() == null && uri.getRawFragment() == null) {
                return uri;
            }
        } catch (URISyntaxException e) {
            // reported below
        }
        throw new ParameterException(command, "--server: not an http(s) URL: '" + url + "'");
    }

    /** The version from the jar's build: {@code hv 1.0.0}. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties properties = new Properties();
            try (InputStream in = Hv.class.getResourceAsStream("/hv-version.properties")) {
                if (in != null) {
                    properties.load(in);
                }
            }
            return new String[] {"hv " + properties.getProperty("version", "(unknown version)")};
        }
    }
}
