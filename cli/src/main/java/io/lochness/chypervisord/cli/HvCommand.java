package io.lochness.chypervisord.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** What every command shares: the run's streams, client and output mode, and its failure count. */
abstract class HvCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    private boolean failed;

    @Override
    public final Integer call() {
        execute();
        io().out().flush();
        return failed ? 1 : 0;
    }

    /** Does the command; a failed request is reported with {@link #failed(ApiException)}. */
    abstract void execute();

    Hv root() {
        return (Hv) spec.root().userObject();
    }

    Io io() {
        return root().io();
    }

    Client client() {
        return root().client(spec.commandLine());
    }

    boolean json() {
        return root().json();
    }

    /** Reports one failed request in one line; the command goes on, and exits 1 at the end. */
    void failed(ApiException e) {
        failed(e.line());
    }

    /** Reports one failure in one line; the command goes on, and exits 1 at the end. */
    void failed(String message) {
        io().error(message);
        failed = true;
    }

    ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    /** The ids of all hypervisors, in the service's order (sorted by id). */
    List<String> allIds() {
        List<String> ids = new ArrayList<>();
        for (JsonNode record : records(client().get("hypervisors"))) {
            ids.add(record.path("id").asText());
        }
        return ids;
    }

    /** The elements of a list answer. */
    static Iterable<JsonNode> records(JsonNode list) {
        if (!list.isArray()) {
            throw new FatalException("the list of hypervisors is not a JSON array: " + Client.abbreviate(Json.line(list)));
        }
        return list;
    }

    /** A record: its id (human view) or itself (-j). */
    void printRecord(JsonNode record) {
        io().line(json() ? Json.line(record) : record.path("id").asText());
    }

    /** Pairs of arguments (ID JSON, ID SUBNET_ID), from the command line or standard input. */
    List<String[]> pairs(List<String> given, String what) {
        List<String> arguments = Arguments.resolve(given, Arguments.Shape.PAIRS, io());
        if (arguments.isEmpty()) {
            throw usage("missing " + what + " (on the command line, or on standard input one a line)");
        }
        if (arguments.size() % 2 != 0) {
            throw usage("expected " + what + " pairs, got " + arguments.size() + " argument"
                    + (arguments.size() == 1 ? "" : "s"));
        }
        List<String[]> pairs = new ArrayList<>();
        for (int i = 0; i < arguments.size(); i += 2) {
            pairs.add(new String[] {arguments.get(i), arguments.get(i + 1)});
        }
        return pairs;
    }
}
