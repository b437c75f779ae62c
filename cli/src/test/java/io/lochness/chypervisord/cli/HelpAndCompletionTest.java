package io.lochness.chypervisord.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.lochness.chypervisord.cli.HvRunner.Result;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/** -h on every command, --version, and the generated bash completion. */
class HelpAndCompletionTest {
    /** Every command of hv, as the words that name it ({@code [config, modify]}), found in the command tree. */
    static Stream<List<String>> commands() {
        List<List<String>> all = new ArrayList<>();
        collect(new CommandLine(new Hv(new Io(System.in, true, new PrintWriter(new StringWriter()),
                new PrintWriter(new StringWriter()), Map.of()))), new ArrayList<>(), all);
        return all.stream();
    }

    private static void collect(CommandLine command, List<String> path, List<List<String>> all) {
        all.add(List.copyOf(path));
        command.getSubcommands().forEach((name, sub) -> {
            List<String> next = new ArrayList<>(path);
            next.add(name);
            collect(sub, next, all);
        });
    }

    @Test
    @DisplayName("the command tree holds the original's verbs and the new ones")
    void commandTree() {
        assertThat(commands().map(words -> String.join(" ", words))).containsExactlyInAnyOrder(
                "", "list", "create", "modify", "delete", "guests", "guests list", "config", "config list",
                "config modify", "subnets", "subnets list", "subnets modify", "subnets delete", "watch",
                "completion", "help");
    }

    @ParameterizedTest
    @MethodSource("commands")
    @DisplayName("-h and --help on every command print its usage on stdout and exit 0, without a service")
    void helpOnEveryCommand(List<String> words) {
        for (String flag : new String[] {"-h", "--help"}) {
            List<String> args = new ArrayList<>(words);
            args.add(flag);
            Result result = new HvRunner("http://127.0.0.1:1").run(args.toArray(String[]::new));
            assertThat(result.status()).as(result.err()).isZero();
            assertThat(result.err()).isEmpty();
            String usage = String.join(" ", Stream.concat(Stream.of("Usage: hv"), words.stream()).toList());
            if (words.equals(List.of("help"))) {
                assertThat(result.out()).contains(usage); // picocli's help command starts with its description
            } else {
                assertThat(result.out()).startsWith(usage);
            }
        }
    }

    @Test
    @DisplayName("hv help COMMAND prints that command's usage")
    void helpCommand() {
        Result result = new HvRunner(null).run("help", "list");
        assertThat(result.status()).isZero();
        assertThat(result.out()).startsWith("Usage: hv list").contains("--filter=KEY=VALUE", "--page-size=N");
    }

    @Test
    @DisplayName("--version prints hv and the build's version")
    void version() {
        Result result = new HvRunner(null).run("--version");
        assertThat(result.status()).isZero();
        assertThat(result.out()).matches("hv \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?\\R");
    }

    @Test
    @DisplayName("the completion script names every command and bash parses it")
    void completionMentionsEveryCommand(@TempDir Path dir) throws Exception {
        Result result = new HvRunner(null).run("completion");
        assertThat(result.status()).isZero();
        String script = result.out();
        for (List<String> words : commands().toList()) {
            if (!words.isEmpty()) {
                assertThat(script).as("completion of %s", words).contains("_picocli_hv_" + String.join("_", words));
            }
        }
        assertThat(script).contains("complete -F _complete_hv");
        Path file = Files.writeString(dir.resolve("hv-completion.bash"), script);
        assertThat(bash("bash -n " + file).exit()).isZero();
    }

    @Test
    @DisplayName("bash completes hv's commands, subcommands and options from the script")
    void completionCompletes(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("hv-completion.bash"), new HvRunner(null).run("completion").out());
        assertThat(complete(file, "hv gu")).isEqualTo("guests");
        assertThat(complete(file, "hv subnets ").split(" ")).contains("list", "modify", "delete");
        assertThat(complete(file, "hv list --pa")).isEqualTo("--page-size");
        assertThat(complete(file, "hv watch --no")).isEqualTo("--no-reconnect");
    }

    /** What bash's completion offers after {@code line} (words separated by spaces). */
    private static String complete(Path script, String line) throws Exception {
        String words = line.endsWith(" ") ? line + "''" : line;
        int current = words.split(" ").length - 1;
        Run run = bash("source " + script + "; COMP_WORDS=(" + words + "); COMP_CWORD=" + current
                + "; COMP_LINE='" + line + "'; COMP_POINT=${#COMP_LINE}; _complete_hv 2>/dev/null; echo \"${COMPREPLY[*]}\"");
        assertThat(run.exit()).as(run.output()).isZero();
        return run.output().strip();
    }

    private record Run(int exit, String output) {}

    private static Run bash(String command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder("bash", "-c", command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Run(process.exitValue(), output);
    }
}
