package io.lochness.chypervisord.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** {@code --filter KEY=VALUE} options, as query parameters for the service. */
final class Filters {
    private Filters() {}

    static List<Map.Entry<String, String>> parse(List<String> filters, HvCommand command) {
        List<Map.Entry<String, String>> query = new ArrayList<>();
        if (filters == null) {
            return query;
        }
        for (String filter : filters) {
            int equals = filter.indexOf('=');
            if (equals <= 0) {
                throw command.usage("--filter expects KEY=VALUE, not '" + filter + "'");
            }
            String key = filter.substring(0, equals).strip();
            if (key.isEmpty() || key.equals("watch") || key.equals("limit") || key.equals("after")
                    || key.equals("since")) {
                throw command.usage("--filter " + filter + ": '" + key + "' is not a filter");
            }
            query.add(Map.entry(key, filter.substring(equals + 1)));
        }
        return query;
    }

    /** An argument that names something must not be empty: {@code /hypervisors/} is another resource. */
    static String nonBlank(String argument, HvCommand command) {
        if (argument.isBlank()) {
            throw command.usage("an empty argument where an ID is expected");
        }
        return argument;
    }
}
