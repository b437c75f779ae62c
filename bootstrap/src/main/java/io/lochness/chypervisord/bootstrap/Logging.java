package io.lochness.chypervisord.bootstrap;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.ConsoleHandler;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Sets up logging from {@code --log-level} and {@code --log-format}: every record to stderr, as
 * text or JSON lines. The level applies to chypervisord's own loggers; libraries (Helidon, gRPC,
 * Netty, OkHttp) only ever show warnings and errors, so {@code -l info} and {@code -l debug} stay
 * readable. The store adapters' own per-call debug lines are kept off: each store call is logged
 * once, by the metering decorator ({@code chypervisord.store}), whichever store it is.
 */
final class Logging {
    /** Loggers that the level opens up. */
    private static final String[] OWN_LOGGERS = {"chypervisord", "io.lochness.chypervisord"};
    /** Store adapters: INFO at most, their call lines duplicate {@code chypervisord.store}'s. */
    private static final String STORE_ADAPTERS = "io.lochness.chypervisord.adapter.out";

    /** One line per write and per refused request, at INFO whatever the level (AccessGuard). */
    static final String AUDIT_LOGGER = "chypervisord.audit";

    /** JUL holds loggers weakly: these keep the levels set below alive. */
    private static final List<Logger> KEPT = new CopyOnWriteArrayList<>();

    private Logging() {}

    static void configure(LogLevel level, LogStyle style) {
        Logger root = Logger.getLogger("");
        for (Handler h : root.getHandlers()) {
            root.removeHandler(h);
        }
        ConsoleHandler handler = new ConsoleHandler();
        handler.setFormatter(style == LogStyle.JSON ? new JsonLogFormat() : new LogFormat());
        // The audit trail is at INFO whatever --log-level says.
        handler.setLevel(level.julLevel().intValue() < Level.INFO.intValue() ? level.julLevel() : Level.INFO);
        root.addHandler(handler);
        root.setLevel(atLeast(level.julLevel(), Level.WARNING));
        for (String name : OWN_LOGGERS) {
            keep(name, level.julLevel());
        }
        keep(STORE_ADAPTERS, atLeast(level.julLevel(), Level.INFO));
        keep(AUDIT_LOGGER, Level.INFO);
    }

    private static Level atLeast(Level level, Level floor) {
        return level.intValue() < floor.intValue() ? floor : level;
    }

    private static void keep(String name, Level level) {
        Logger logger = Logger.getLogger(name);
        logger.setLevel(level);
        KEPT.add(logger);
    }
}
