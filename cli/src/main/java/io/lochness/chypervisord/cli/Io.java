package io.lochness.chypervisord.cli;

import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;

/**
 * What one run of hv reads and writes: standard input (and whether it is a terminal), standard
 * output and error, and the environment. The tests run hv in-process with their own.
 */
record Io(InputStream stdin, boolean stdinIsTerminal, PrintWriter out, PrintWriter err, Map<String, String> env) {

    /** The process's own streams and environment. */
    static Io system() {
        return new Io(System.in, detectTerminal(),
                new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), false),
                new PrintWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8), true),
                System.getenv());
    }

    /** Prints one line on standard output. */
    void line(String text) {
        out.println(text);
    }

    /** Prints {@code hv: message} on standard error, after what standard output holds so far. */
    void error(String message) {
        out.flush();
        err.println("hv: " + message);
        err.flush();
    }

    /**
     * Whether standard input is a terminal. On Linux, what {@code /proc/self/fd/0} points at; elsewhere
     * {@code Console.isTerminal()} (JDK 22+), or whether there is a console at all (JDK 21).
     */
    static boolean detectTerminal() {
        Path fd0 = Path.of("/proc/self/fd/0");
        if (Files.isSymbolicLink(fd0)) {
            try {
                String target = Files.readSymbolicLink(fd0).toString();
                return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
            } catch (IOException | UnsupportedOperationException e) {
                // fall through to the console
            }
        } else if (Files.exists(fd0, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        Console console = System.console();
        if (console == null) {
            return false;
        }
        try {
            return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
        } catch (ReflectiveOperationException e) {
            return true;
        }
    }
}
