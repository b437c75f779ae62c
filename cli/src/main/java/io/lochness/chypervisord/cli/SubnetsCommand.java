package io.lochness.chypervisord.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code hv subnets}: the subnets assigned to hypervisors (subnet id to bridge). */
@Command(name = "subnets", mixinStandardHelpOptions = true, description = "Operate on hypervisor subnets",
        subcommands = {SubnetsCommand.List.class, SubnetsCommand.Modify.class, SubnetsCommand.Delete.class})
final class SubnetsCommand extends HvCommand {
    @Override
    void execute() {
        throw usage("missing a command: list, modify, delete");
    }

    /** {@code hv subnets list [ID...]}. */
    @Command(name = "list", mixinStandardHelpOptions = true,
            description = {"List the subnets of hypervisors (default: all hypervisors).",
                "Human view: a tree of SUBNET_ID:bridge per hypervisor; -j: {\"id\":...,\"subnets\":{...}} a line."})
    static final class List extends PerHypervisorList {
        @Override
        String resource() {
            return "subnets";
        }
    }

    /** {@code hv subnets modify (ID JSON)...}. */
    @Command(name = "modify", mixinStandardHelpOptions = true,
            customSynopsis = "hv subnets modify [-hjV] [OPTIONS] (ID JSON)...",
            description = {"Assign subnets to hypervisors.",
                "Each JSON maps subnet ids to bridge names.",
                "Prints the resulting subnets: a tree (-j: {\"id\":...,\"subnets\":{...}}) per hypervisor."},
            footer = {"", "Example: hv subnets modify aa44c6e8-3ee3-4671-86da-31b6b060795c "
                    + "'{\"c6430cba-648a-41aa-aee4-b59dacfc790d\":\"br0\"}'"})
    static final class Modify extends HvCommand {
        @Parameters(paramLabel = "ID JSON", arity = "0..*", description = "a hypervisor id and subnets to assign, in pairs")
        java.util.List<String> arguments;

        @Override
        void execute() {
            for (String[] pair : pairs(arguments, "ID JSON")) {
                try {
                    PerHypervisorList.print(this, pair[0], "subnets",
                            client().patch(pair[1], "hypervisors", Filters.nonBlank(pair[0], this), "subnets"));
                } catch (ApiException e) {
                    failed(e);
                }
            }
        }
    }

    /** {@code hv subnets delete (ID SUBNET_ID)...}. */
    @Command(name = "delete", mixinStandardHelpOptions = true,
            customSynopsis = "hv subnets delete [-hjV] [OPTIONS] (ID SUBNET_ID)...",
            description = {"Remove subnets from hypervisors.",
                "Prints the remaining subnets: a tree (-j: {\"id\":...,\"subnets\":{...}}) per pair."})
    static final class Delete extends HvCommand {
        @Parameters(paramLabel = "ID SUBNET_ID", arity = "0..*", description = "a hypervisor id and a subnet id, in pairs")
        java.util.List<String> arguments;

        @Override
        void execute() {
            for (String[] pair : pairs(arguments, "ID SUBNET_ID")) {
                try {
                    PerHypervisorList.print(this, pair[0], "subnets", client().delete("hypervisors",
                            Filters.nonBlank(pair[0], this), "subnets", Filters.nonBlank(pair[1], this)));
                } catch (ApiException e) {
                    failed(e);
                }
            }
        }
    }
}
