package io.lochness.chypervisord.bootstrap;

import java.io.PrintStream;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.logging.ConsoleHandler;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;

/** Entry point: parses the flags, wires the service, runs until SIGTERM or SIGINT. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
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

    /** The outcome of a launch: a running app, or an exit status with nothing running. */
    public record Launch(Chypervisord app, int exitCode) {}

    /** Parses, wires and starts; usage errors are one line on {@code err} and status 2. */
    public static Launch launch(String[] args, PrintStream out, PrintStream err) {
        Settings settings;
        try {
            Optional<Settings> parsed = Flags.parse(args);
            if (parsed.isEmpty()) {
                out.print(Flags.USAGE);
                return new Launch(null, 0);
            }
            settings = parsed.get();
            configureLogging(settings.logLevel());
            return new Launch(DaggerChypervisordComponent.factory().create(settings).app().start(), 0);
        } catch (UsageException e) {
            err.println("chypervisord: " + e.getMessage());
            return new Launch(null, 2);
        } catch (RuntimeException e) {
            err.println("chypervisord: cannot start: " + e.getMessage());
            return new Launch(null, 1);
        }
    }

    /** Loggers that {@code -l debug} opens up; libraries stay at INFO so debug stays readable. */
    private static final String[] OWN_LOGGERS = {"chypervisord", "io.lochness.chypervisord"};

    /**
     * Log lines carry a timestamp and the level ({@link LogFormat}); {@code --log-level} sets what
     * is shown. Debug applies to chypervisord's own loggers (requests, store calls, adapters), not
     * to Helidon, netty or gRPC.
     */
    static void configureLogging(LogLevel level) {
        Logger root = Logger.getLogger("");
        for (Handler h : root.getHandlers()) {
            root.removeHandler(h);
        }
        ConsoleHandler handler = new ConsoleHandler();
        handler.setFormatter(new LogFormat());
        handler.setLevel(level.julLevel());
        root.addHandler(handler);
        Level libraries = level.julLevel().intValue() < Level.INFO.intValue() ? Level.INFO : level.julLevel();
        root.setLevel(libraries);
        for (String name : OWN_LOGGERS) {
            Logger own = Logger.getLogger(name);
            own.setLevel(level.julLevel());
            KEPT.add(own);
        }
    }

    /** JUL holds loggers weakly: these keep the levels set above alive. */
    private static final java.util.List<Logger> KEPT = new java.util.concurrent.CopyOnWriteArrayList<>();
}
