package io.lochness.chypervisord.cli;

import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code hv create JSON...}: POST each JSON to /hypervisors. */
@Command(name = "create", mixinStandardHelpOptions = true,
        description = {"Create hypervisors, one from each JSON.",
            "A JSON is a record (ip, mac, ...); without an id the service picks one.", "Human view: each new id; -j: each new record."},
        footer = {"", "Example: hv create '{\"ip\":\"10.100.101.35\",\"mac\":\"01:23:45:67:89:ac\"}'"})
final class CreateCommand extends HvCommand {
    @Parameters(paramLabel = "JSON", arity = "0..*", description = "a hypervisor record")
    List<String> specs;

    @Override
    void execute() {
        List<String> bodies = Arguments.resolve(specs, Arguments.Shape.JSON, io());
        if (bodies.isEmpty()) {
            throw usage("missing JSON (on the command line, or on standard input one a line)");
        }
        for (String body : bodies) {
            try {
                printRecord(client().post(body, "hypervisors"));
            } catch (ApiException e) {
                failed(e);
            }
        }
    }
}
