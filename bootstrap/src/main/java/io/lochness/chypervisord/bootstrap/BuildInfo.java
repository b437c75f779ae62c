package io.lochness.chypervisord.bootstrap;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * What was built: the version and the git commit, written into {@code build.properties} by the
 * build (a commit ending {@code -dirty} was built from a tree with uncommitted changes; {@code
 * unknown} when built outside a git checkout).
 */
public record BuildInfo(String version, String commit) {
    static final String RESOURCE = "build.properties";

    /** The build information of this jar. */
    public static BuildInfo current() {
        Properties p = new Properties();
        try (InputStream in = BuildInfo.class.getResourceAsStream(RESOURCE)) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new BuildInfo(value(p, "version"), value(p, "commit"));
    }

    private static String value(Properties p, String key) {
        String v = p.getProperty(key, "").strip();
        // An unfiltered resource (run from an IDE without Maven) still says ${...}.
        return v.isEmpty() || v.startsWith("${") ? "unknown" : v;
    }

    /** The {@code --version} line: {@code chypervisord 1.0.0-SNAPSHOT (commit 0123abc...)}. */
    public String line() {
        return "chypervisord " + version + " (commit " + commit + ")";
    }
}
