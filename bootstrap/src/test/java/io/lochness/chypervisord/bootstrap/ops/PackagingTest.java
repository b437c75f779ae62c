package io.lochness.chypervisord.bootstrap.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The systemd unit and its environment file in {@code packaging/}. */
class PackagingTest {
    /** surefire runs in the bootstrap module; packaging/ is at the repository root. */
    private static final Path PACKAGING = Path.of("..", "packaging");
    private static final Path UNIT = PACKAGING.resolve("chypervisord.service");
    private static final Path DEFAULTS = PACKAGING.resolve("chypervisord.default");

    /** Section name to key to values (a key may repeat). */
    private static Map<String, Map<String, List<String>>> parseUnit() throws IOException {
        Map<String, Map<String, List<String>>> sections = new LinkedHashMap<>();
        Map<String, List<String>> current = null;
        for (String raw : Files.readAllLines(UNIT, StandardCharsets.UTF_8)) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
                continue;
            }
            assertThat(line).as("no line continuations").doesNotEndWith("\\");
            if (line.startsWith("[")) {
                assertThat(line).endsWith("]");
                current = sections.computeIfAbsent(line.substring(1, line.length() - 1), k -> new LinkedHashMap<>());
                continue;
            }
            assertThat(current).as("a key before any section: %s", line).isNotNull();
            int eq = line.indexOf('=');
            assertThat(eq).as("key=value: %s", line).isPositive();
            current.computeIfAbsent(line.substring(0, eq).strip(), k -> new ArrayList<>()).add(line.substring(eq + 1).strip());
        }
        return sections;
    }

    @Test
    void unitRunsTheDistributionWithTheEnvironmentFile() throws IOException {
        Map<String, List<String>> service = parseUnit().get("Service");
        assertThat(service).isNotNull();
        assertThat(service.get("ExecStart"))
                .as("the distribution's launcher, on its own runtime: no system Java")
                .containsExactly("/opt/chypervisord/bin/chypervisord $CHYPERVISORD_ARGS");
        assertThat(service.get("EnvironmentFile")).containsExactly("-/etc/default/chypervisord");
        assertThat(service.get("Restart")).containsExactly("on-failure");
        assertThat(service.get("RestartPreventExitStatus")).containsExactly("2");
        assertThat(service.get("KillSignal")).containsExactly("SIGTERM");
        assertThat(service.get("TimeoutStopSec")).containsExactly("15");
        assertThat(service.get("DynamicUser")).containsExactly("yes");
        assertThat(service).doesNotContainKey("User");
        assertThat(service.get("Environment"))
                .contains("\"JAVA_OPTS=" + String.join(" ", ChildProcess.SHIPPED_JVM_OPTIONS) + "\"", "MALLOC_ARENA_MAX=2");
    }

    @Test
    void unitIsHardened() throws IOException {
        Map<String, List<String>> service = parseUnit().get("Service");
        for (String yes : List.of("NoNewPrivileges", "PrivateTmp", "PrivateDevices", "ProtectKernelTunables",
                "ProtectKernelModules", "ProtectControlGroups", "RestrictSUIDSGID", "LockPersonality")) {
            assertThat(service.get(yes)).as(yes).containsExactly("yes");
        }
        assertThat(service.get("ProtectSystem")).containsExactly("strict");
        assertThat(service.get("CapabilityBoundingSet")).containsExactly("");
        assertThat(service).as("the JIT needs writable+executable memory").doesNotContainKey("MemoryDenyWriteExecute");
        assertThat(parseUnit().get("Install").get("WantedBy")).containsExactly("multi-user.target");
    }

    @Test
    void environmentFileHasCommentedExamplesOnly() throws IOException {
        List<String> lines = Files.readAllLines(DEFAULTS, StandardCharsets.UTF_8);
        assertThat(lines).allSatisfy(l -> assertThat(l.isBlank() || l.startsWith("#")).as(l).isTrue());
        String text = String.join("\n", lines);
        assertThat(text).contains("#CHYPERVISORD_ARGS=\"--kv etcd://10.0.0.1:2379 -p 17000\"",
                "#ETCD_USERNAME=", "#ETCD_PASSWORD=", "#JAVA_OPTS=\"" + String.join(" ", ChildProcess.SHIPPED_JVM_OPTIONS) + "\"");
    }

    /**
     * {@code systemd-analyze verify}, where systemd's tools are installed. It wants ExecStart's
     * program to exist: the unit is verified as installed under a temporary /opt/chypervisord
     * holding the launcher.
     */
    @Test
    void systemdAnalyzeVerifyAcceptsTheUnit() throws Exception {
        Path tool = Path.of("/usr/bin/systemd-analyze");
        Assumptions.assumeTrue(Files.isExecutable(tool), "systemd-analyze is not installed");
        Path opt = Files.createTempDirectory("opt-chypervisord-");
        Path launcher = Files.createDirectories(opt.resolve("bin")).resolve("chypervisord");
        Files.copy(PACKAGING.resolve("chypervisord"), launcher);
        assertThat(launcher.toFile().setExecutable(true)).isTrue();
        Path unit = opt.resolve("chypervisord.service");
        Files.writeString(unit, Files.readString(UNIT).replace("/opt/chypervisord/", opt + "/"));
        Process p = new ProcessBuilder(tool.toString(), "verify", unit.toString())
                .redirectErrorStream(true).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(output).isZero();
        assertThat(output.lines().filter(l -> l.contains("chypervisord.service"))).as(output).isEmpty();
        for (Path f : List.of(unit, launcher, launcher.getParent(), opt)) {
            Files.delete(f);
        }
    }

    @Test
    void launcherIsExecutableAndUsesOnlyItsOwnRuntime() throws IOException {
        Path launcher = PACKAGING.resolve("chypervisord");
        assertThat(launcher).isExecutable();
        String text = Files.readString(launcher);
        assertThat(text).startsWith("#!/bin/sh\n").contains("\"$home/runtime/bin/java\"")
                .doesNotContain("JAVA_HOME").doesNotContain("/usr/bin/java");
    }

    @Test
    void scriptsShipTheSameJvmOptionsAsTheUnit_exitOnOutOfMemoryIncluded() throws IOException {
        String lib = Files.readString(Path.of("..", "scripts", "lib.sh"), StandardCharsets.UTF_8);
        assertThat(lib).contains("SERVICE_JAVA_OPTS_DEFAULT=\"" + String.join(" ", ChildProcess.SHIPPED_JVM_OPTIONS) + "\"");
        assertThat(ChildProcess.SHIPPED_JVM_OPTIONS).contains("-XX:+ExitOnOutOfMemoryError");
        assertThat(Files.readString(DEFAULTS, StandardCharsets.UTF_8))
                .contains("#JAVA_OPTS=\"" + String.join(" ", ChildProcess.SHIPPED_JVM_OPTIONS) + "\"");
        // The tarball's launcher, run by hand or by another supervisor than systemd.
        assertThat(Files.readString(PACKAGING.resolve("chypervisord"), StandardCharsets.UTF_8))
                .contains("${JAVA_OPTS-" + String.join(" ", ChildProcess.SHIPPED_JVM_OPTIONS) + "}");
        assertThat(Files.readString(PACKAGING.resolve("INSTALL.md"), StandardCharsets.UTF_8))
                .contains("(default `" + String.join(" ", ChildProcess.SHIPPED_JVM_OPTIONS) + "`)");
    }
}
