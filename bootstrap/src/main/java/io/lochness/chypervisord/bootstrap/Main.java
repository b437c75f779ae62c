package io.lochness.chypervisord.bootstrap;

import java.io.PrintStream;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

/** Entry point: parses the flags, wires the service, runs until SIGTERM or SIGINT. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        // JVM-wide settings belong to the launcher, not to a class initialiser: gRPC's Netty
        // buffers on the heap (the heap is bounded and sized; direct memory would grow beside it).
        if (System.getProperty("io.netty.noPreferDirect") == null) {
            System.setProperty("io.netty.noPreferDirect", "true");
        }
        if (args.length > 0 && args[0].equals("migrate-v2")) {
            System.exit(MigrateV2.run(java.util.Arrays.copyOfRange(args, 1, args.length), System.out, System.err, System.getenv()));
        }
        Launch launch = launch(args, System.out, System.err);
        if (launch.app() == null) {
            System.exit(launch.exitCode());
        }
        awaitSignal(launch.app());
    }

    /**
     * Blocks until SIGTERM or SIGINT, then stops gracefully and exits 0. {@code sun.misc.Signal}
     * (module jdk.unsupported) is used rather than a shutdown hook because a JVM ended through its
     * hooks exits 143/130, and a supervisor should see a clean stop as status 0.
     */
    private static void awaitSignal(Chypervisord app) {
        CountDownLatch signalled = new CountDownLatch(1);
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("HUP"), signal -> Thread.ofPlatform().name("chypervisord-reload")
                    .start(app::reload));
        } catch (IllegalArgumentException e) {
            // SIGHUP ignored when the JVM started (nohup): no reload then.
        }
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> signalled.countDown());
            } catch (IllegalArgumentException e) {
                // The signal was ignored when the JVM started (SIGINT of a background job): fine.
            }
        }
        try {
            signalled.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        System.getLogger(Main.class.getName()).log(System.Logger.Level.INFO, "stopping: finishing in-flight requests");
        int status = 0;
        try {
            app.close();
        } catch (RuntimeException e) {
            System.err.println("chypervisord: error while stopping: " + e.getMessage());
            status = 1;
        }
        System.exit(status);
    }

    /**
     * With {@code -Dchypervisord.checkFlags=true}, only the command line and the environment are
     * checked (run.sh does this before it starts anything): nothing starts, the effective {@code
     * kv} and {@code port} are printed as {@code name=value} lines, and the status is 0, or 2 with
     * the usage error.
     */
    static final String CHECK_FLAGS = "chypervisord.checkFlags";

    private static Launch checkOnly(Settings settings, PrintStream out) {
        StoreChoice.of(settings.kv(), address -> null); // the address's syntax; no network
        out.println("kv=" + settings.kv());
        out.println("port=" + settings.port());
        return new Launch(null, 0);
    }

    /** The outcome of a launch: a running app, or an exit status with nothing running. */
    public record Launch(Chypervisord app, int exitCode) {}

    /** Parses, wires and starts; usage errors are one line on {@code err} and status 2. */
    public static Launch launch(String[] args, PrintStream out, PrintStream err) {
        if (Flags.asksForVersion(args)) {
            out.println(BuildInfo.current().line());
            return new Launch(null, 0);
        }
        Settings settings;
        try {
            Optional<Settings> parsed = Flags.parse(args);
            if (parsed.isEmpty()) {
                out.print(Flags.USAGE);
                return new Launch(null, 0);
            }
            settings = parsed.get();
            if (Boolean.getBoolean(CHECK_FLAGS)) {
                return checkOnly(settings, out);
            }
            Logging.configure(settings.logLevel(), settings.logStyle());
            // Before the store is opened, so that a taken port is the only line printed; a bad --kv
            // is still reported first, as the usage error it is.
            // The access file and the certificates too: a bad one is one line and status 2.
            settings.security().loadRules();
            settings.security().loadTls();
            try {
                Chypervisord.requirePortFree(settings.security().address(), settings.port());
            } catch (IllegalStateException taken) {
                StoreModule.choice(settings);
                throw taken;
            }
            return new Launch(DaggerChypervisordComponent.factory().create(settings).app().start(), 0);
        } catch (UsageException e) {
            err.println("chypervisord: " + e.getMessage());
            return new Launch(null, 2);
        } catch (RuntimeException e) {
            err.println("chypervisord: cannot start: " + e.getMessage());
            return new Launch(null, 1);
        }
    }
}
