package io.lochness.chypervisord.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code hv list}: all hypervisors, those named, or those the service's filters match. */
@Command(name = "list", mixinStandardHelpOptions = true,
        description = {"List the hypervisors.",
            "All of them, those named, or those the filters match.",
            "Human view: their ids, one a line; -j: the records, one a line."},
        footer = {"", "Filters are passed to the service as query parameters (GET /hypervisors?KEY=VALUE&...); "
                + "a service without them may ignore them. KEYs it knows: ip, mac, metadata.KEY, alive, "
                + "min_available_memory, min_available_disk, min_available_cpu, subnet.",
            "Example: hv list -f alive=true -f metadata.rack=r12 -f min_available_memory=4096"})
final class ListCommand extends HvCommand {
    @Parameters(paramLabel = "ID", arity = "0..*", description = "hypervisors to show (default: all)")
    List<String> ids;

    @Option(names = {"-f", "--filter"}, paramLabel = "KEY=VALUE",
            description = "only hypervisors that match (all filters given must hold; may be repeated)")
    List<String> filters;

    @Option(names = "--page-size", paramLabel = "N",
            description = "ask for the list N records at a time (limit=N), following the service's "
                    + "Link rel=\"next\" until the last page")
    Integer pageSize;

    @Override
    void execute() {
        List<Map.Entry<String, String>> query = new ArrayList<>(Filters.parse(filters, this));
        if (pageSize != null) {
            if (pageSize < 1 || pageSize > 10_000) {
                throw usage("--page-size must be 1 to 10000, not " + pageSize);
            }
            query.add(Map.entry("limit", pageSize.toString()));
        }
        if (!query.isEmpty()) {
            if (ids != null && !ids.isEmpty()) {
                throw usage("IDs do not go with --filter or --page-size");
            }
            listAll(query);
            return;
        }
        List<String> named = Arguments.resolve(ids, Arguments.Shape.IDS, io());
        if (named.isEmpty()) {
            listAll(query);
            return;
        }
        for (String id : named) {
            try {
                printRecord(client().get("hypervisors", Filters.nonBlank(id, this)));
            } catch (ApiException e) {
                failed(e);
            }
        }
    }

    private void listAll(List<Map.Entry<String, String>> query) {
        URI next = client().uri(List.of("hypervisors"), query);
        while (next != null) {
            Client.Answer answer = client().send("GET", next, null);
            for (JsonNode record : records(answer.body())) {
                printRecord(record);
            }
            URI following = Links.next(answer);
            if (following != null && following.equals(next)) {
                throw new FatalException("the service's Link rel=\"next\" points at the page just read: " + next);
            }
            next = following;
        }
    }
}
