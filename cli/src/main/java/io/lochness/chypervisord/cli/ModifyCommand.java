package io.lochness.chypervisord.cli;

import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code hv modify ID JSON...}: PATCH each hypervisor. */
@Command(name = "modify", mixinStandardHelpOptions = true,
        customSynopsis = "hv modify [-hjV] [OPTIONS] (ID JSON)...",
        description = {"Modify hypervisors: PATCH each ID with its JSON.",
            "The fields given replace the stored ones; the others are kept.", "Human view: each id; -j: each modified record."},
        footer = {"", "Example: hv modify aa44c6e8-3ee3-4671-86da-31b6b060795c '{\"gateway\":\"10.0.0.254\"}'"})
final class ModifyCommand extends HvCommand {
    @Parameters(paramLabel = "ID JSON", arity = "0..*", description = "a hypervisor id and its changes, in pairs")
    List<String> arguments;

    @Override
    void execute() {
        for (String[] pair : pairs(arguments, "ID JSON")) {
            try {
                printRecord(client().patch(pair[1], "hypervisors", Filters.nonBlank(pair[0], this)));
            } catch (ApiException e) {
                failed(e);
            }
        }
    }
}
