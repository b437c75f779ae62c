package io.lochness.chypervisord.cli;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/** Runs hv in-process, as a shell would: given arguments, standard input and environment. */
final class HvRunner {
    /** One run's outcome. */
    record Result(int status, String out, String err) {
        /** What the next command of a pipe reads. */
        String stdout() {
            return out;
        }
    }

    private final Map<String, String> env = new HashMap<>();

    /** A runner whose HV_SERVER is {@code server}. */
    HvRunner(String server) {
        if (server != null) {
            env.put("HV_SERVER", server);
        }
    }

    HvRunner env(String name, String value) {
        env.put(name, value);
        return this;
    }

    /** hv with standard input a terminal: nothing is read from it. */
    Result run(String... args) {
        return run(true, new InputStream() {
            @Override
            public int read() {
                throw new AssertionError("hv read standard input although it is a terminal");
            }
        }, args);
    }

    /** hv with standard input a pipe or file holding {@code stdin}. */
    Result piped(String stdin, String... args) {
        return run(false, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), args);
    }

    Result run(boolean terminal, InputStream stdin, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Hv.run(args, new Io(stdin, terminal, new PrintWriter(out), new PrintWriter(err), Map.copyOf(env)));
        return new Result(status, out.toString(), err.toString());
    }

    /** Lines as hv prints them. */
    static String lines(String... lines) {
        return lines.length == 0 ? "" : String.join(System.lineSeparator(), lines) + System.lineSeparator();
    }
}
