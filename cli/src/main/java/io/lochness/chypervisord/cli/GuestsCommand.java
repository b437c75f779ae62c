package io.lochness.chypervisord.cli;

import picocli.CommandLine.Command;

/** {@code hv guests}: the guests placed on hypervisors (written into the store by other daemons). */
@Command(name = "guests", mixinStandardHelpOptions = true, description = "Operate on hypervisor guests",
        subcommands = GuestsCommand.List.class)
final class GuestsCommand extends HvCommand {
    @Override
    void execute() {
        throw usage("missing a command: list");
    }

    /** {@code hv guests list [ID...]}. */
    @Command(name = "list", mixinStandardHelpOptions = true,
            description = {"List the guests of hypervisors (default: all hypervisors).",
                "Human view: a tree per hypervisor; -j: {\"id\":...,\"guests\":[...]} a line."})
    static final class List extends PerHypervisorList {
        @Override
        String resource() {
            return "guests";
        }
    }
}
