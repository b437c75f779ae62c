package io.lochness.chypervisord.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code hv config}: hypervisors' config maps. */
@Command(name = "config", mixinStandardHelpOptions = true, description = "Operate on hypervisor config",
        subcommands = {ConfigCommand.List.class, ConfigCommand.Modify.class})
final class ConfigCommand extends HvCommand {
    @Override
    void execute() {
        throw usage("missing a command: list, modify");
    }

    /** {@code hv config list [ID...]}. */
    @Command(name = "list", mixinStandardHelpOptions = true,
            description = {"List the config of hypervisors (default: all hypervisors).",
                "Human view: a tree of key:value per hypervisor; -j: {\"id\":...,\"config\":{...}} a line."})
    static final class List extends PerHypervisorList {
        @Override
        String resource() {
            return "config";
        }
    }

    /** {@code hv config modify (ID JSON)...}. */
    @Command(name = "modify", mixinStandardHelpOptions = true,
            customSynopsis = "hv config modify [-hjV] [OPTIONS] (ID JSON)...",
            description = {"Modify the config of hypervisors.",
                "Each JSON's keys are set; a key given \"\" is deleted.",
                "Prints the resulting config: a tree (-j: {\"id\":...,\"config\":{...}}) per hypervisor."},
            footer = {"", "Example: hv config modify aa44c6e8-3ee3-4671-86da-31b6b060795c '{\"bar\":\"\",\"foo\":\"x\"}'"})
    static final class Modify extends HvCommand {
        @Parameters(paramLabel = "ID JSON", arity = "0..*", description = "a hypervisor id and its config changes, in pairs")
        java.util.List<String> arguments;

        @Override
        void execute() {
            for (String[] pair : pairs(arguments, "ID JSON")) {
                try {
                    PerHypervisorList.print(this, pair[0], "config",
                            client().patch(pair[1], "hypervisors", Filters.nonBlank(pair[0], this), "config"));
                } catch (ApiException e) {
                    failed(e);
                }
            }
        }
    }
}
