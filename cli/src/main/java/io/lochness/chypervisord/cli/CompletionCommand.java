package io.lochness.chypervisord.cli;

import picocli.AutoComplete;
import picocli.CommandLine.Command;

/** {@code hv completion}: the bash (and zsh) completion script, generated from the command tree. */
@Command(name = "completion", mixinStandardHelpOptions = true,
        description = {"Print the bash completion script of hv.",
            "zsh reads it too, after: autoload -U +X bashcompinit && bashcompinit",
            "This shell: source <(hv completion)",
            "Every shell: hv completion > /etc/bash_completion.d/hv"})
final class CompletionCommand extends HvCommand {
    @Override
    void execute() {
        io().out().print(AutoComplete.bash("hv", spec.root().commandLine()));
    }
}
