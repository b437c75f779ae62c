package io.lochness.chypervisord.bootstrap.ops;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The checks of {@code promtool check metrics} (Prometheus 2.42's linter) that a JVM service can
 * trip, in Java: a TYPE for every family, snake_case names, {@code quantile} only on summaries,
 * {@code le} only on histogram buckets, {@code _count}/{@code _sum}/{@code _bucket} only on
 * histograms and summaries, counters ending {@code _total}, base units (seconds, bytes), and
 * well-formed sample lines. Plus {@link #runPromtool}, for the real thing where it is installed.
 */
final class PrometheusLint {
    private static final Pattern TYPE = Pattern.compile("^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$");
    private static final Pattern SAMPLE = Pattern.compile(
            "^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{((?:[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\]|\\\\.)*\",?)*)})? (\\S+)(?: -?\\d+)?$");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");
    private static final Pattern CAMEL = Pattern.compile("[a-z][A-Z]");
    private static final List<String> NON_BASE_UNITS = List.of("milliseconds", "microseconds", "nanoseconds",
            "minutes", "hours", "days", "kilobytes", "megabytes", "gigabytes", "kibibytes", "mebibytes", "percent");

    private PrometheusLint() {}

    /** The problems found in a text exposition; empty when it is clean. */
    static List<String> problems(String text) {
        List<String> problems = new ArrayList<>();
        Map<String, String> types = new HashMap<>();
        for (String line : text.split("\n")) {
            if (line.isEmpty() || line.startsWith("# HELP ")) {
                continue;
            }
            if (line.startsWith("#")) {
                Matcher t = TYPE.matcher(line);
                if (!t.matches()) {
                    problems.add("malformed comment line: " + line);
                    continue;
                }
                String name = t.group(1);
                String type = t.group(2);
                if (types.put(name, type) != null) {
                    problems.add(name + ": second TYPE line");
                }
                if (CAMEL.matcher(name).find()) {
                    problems.add(name + ": metric names should be written in snake_case, not camelCase");
                }
                if (type.equals("counter") && !name.endsWith("_total")) {
                    problems.add(name + ": counter names should have the _total suffix");
                }
                if (!type.equals("histogram") && !type.equals("summary")
                        && (name.endsWith("_count") || name.endsWith("_sum") || name.endsWith("_bucket"))) {
                    problems.add(name + ": non-histogram and non-summary metrics should not have a _count, _sum or _bucket suffix");
                }
                for (String unit : NON_BASE_UNITS) {
                    if (name.contains("_" + unit)) {
                        problems.add(name + ": use a base unit (seconds, bytes) instead of " + unit);
                    }
                }
                continue;
            }
            Matcher m = SAMPLE.matcher(line);
            if (!m.matches()) {
                problems.add("malformed sample line: " + line);
                continue;
            }
            String sample = m.group(1);
            try {
                Double.parseDouble(m.group(3).replace("+Inf", "Infinity").replace("-Inf", "-Infinity"));
            } catch (NumberFormatException e) {
                problems.add("bad sample value: " + line);
            }
            String family = family(sample, types);
            if (family == null) {
                problems.add(sample + ": sample without a TYPE line");
                continue;
            }
            String type = types.get(family);
            Map<String, String> labels = new HashMap<>();
            if (m.group(2) != null) {
                Matcher l = LABEL.matcher(m.group(2));
                while (l.find()) {
                    if (labels.put(l.group(1), l.group(2)) != null) {
                        problems.add(sample + ": label " + l.group(1) + " twice");
                    }
                }
            }
            if (labels.containsKey("quantile") && !type.equals("summary")) {
                problems.add(family + ": non-summary metrics should not have a quantile label");
            }
            if (labels.containsKey("le") && !(type.equals("histogram") && sample.endsWith("_bucket"))) {
                problems.add(family + ": le label outside a histogram's _bucket");
            }
            if (type.equals("histogram") && sample.endsWith("_bucket") && !labels.containsKey("le")) {
                problems.add(family + ": histogram bucket without le");
            }
        }
        return problems;
    }

    /** The family a sample belongs to: its own name, or the histogram/summary it is a part of. */
    private static String family(String sample, Map<String, String> types) {
        if (types.containsKey(sample)) {
            return sample;
        }
        for (String suffix : List.of("_bucket", "_count", "_sum")) {
            if (sample.endsWith(suffix)) {
                String base = sample.substring(0, sample.length() - suffix.length());
                String type = types.get(base);
                if ("histogram".equals(type) || "summary".equals(type)) {
                    return base;
                }
            }
        }
        return null;
    }

    /** promtool on the PATH (or /usr/bin), or null. */
    static Path promtool() {
        for (String dir : (System.getenv().getOrDefault("PATH", "") + ":/usr/bin").split(":")) {
            if (!dir.isEmpty()) {
                Path p = Path.of(dir, "promtool");
                if (Files.isExecutable(p)) {
                    return p;
                }
            }
        }
        return null;
    }

    record Result(int exitCode, String output) {}

    /** Runs {@code promtool check metrics} with {@code text} on its stdin. */
    static Result runPromtool(Path promtool, String text) throws InterruptedException {
        try {
            Path in = Files.createTempFile("metrics-", ".txt");
            try {
                Files.writeString(in, text, StandardCharsets.UTF_8);
                Process p = new ProcessBuilder(promtool.toString(), "check", "metrics")
                        .redirectInput(in.toFile())
                        .redirectErrorStream(true)
                        .start();
                byte[] out = p.getInputStream().readAllBytes();
                if (!p.waitFor(60, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new AssertionError("promtool did not finish within 60 s");
                }
                return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8).strip());
            } finally {
                Files.deleteIfExists(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
