package io.lochness.chypervisord.cli;

import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code hv delete ID...}: DELETE each hypervisor. */
@Command(name = "delete", mixinStandardHelpOptions = true,
        description = {"Delete hypervisors, with their config and subnets.",
            "A hypervisor with guests cannot be deleted.",
            "Human view: each deleted id; -j: each deleted record."})
final class DeleteCommand extends HvCommand {
    @Parameters(paramLabel = "ID", arity = "0..*", description = "a hypervisor to delete")
    List<String> ids;

    @Override
    void execute() {
        List<String> named = Arguments.resolve(ids, Arguments.Shape.IDS, io());
        if (named.isEmpty()) {
            throw usage("missing ID (on the command line, or on standard input one a line)");
        }
        for (String id : named) {
            try {
                printRecord(client().delete("hypervisors", Filters.nonBlank(id, this)));
            } catch (ApiException e) {
                failed(e);
            }
        }
    }
}
