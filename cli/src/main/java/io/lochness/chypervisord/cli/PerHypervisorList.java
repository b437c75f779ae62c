package io.lochness.chypervisord.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import picocli.CommandLine.Parameters;

/**
 * {@code guests list}, {@code config list}, {@code subnets list}: for each hypervisor named (default:
 * all), its id and one branch per item; {@code -j}: {@code {"id": ..., NAME: ...}} a line.
 */
abstract class PerHypervisorList extends HvCommand {
    @Parameters(paramLabel = "ID", arity = "0..*", description = "hypervisors to show (default: all)")
    List<String> ids;

    /** The sub-resource: guests, config or subnets. */
    abstract String resource();

    @Override
    void execute() {
        List<String> named = Arguments.resolve(ids, Arguments.Shape.IDS, io());
        for (String id : named.isEmpty() ? allIds() : named) {
            try {
                print(this, id, resource(), client().get("hypervisors", Filters.nonBlank(id, this), resource()));
            } catch (ApiException e) {
                failed(e);
            }
        }
    }

    /** One hypervisor's guests (an array), config or subnets (objects) in the run's output mode. */
    static void print(HvCommand command, String id, String resource, JsonNode value) {
        if (command.json()) {
            command.io().line(Json.keyed(id, resource, value));
            return;
        }
        List<String> items = value.isArray() ? Tree.elements(value) : Tree.entries(value);
        Tree.of(id, items).forEach(command.io()::line);
    }
}
