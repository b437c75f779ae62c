package io.lochness.chypervisord.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A command's arguments: those on the command line or, when there are none and standard input is
 * not a terminal, standard input's lines, one argument a line (blank lines skipped). So {@code hv
 * list | hv guests list} works, and {@code hv list </dev/null} lists all.
 */
final class Arguments {
    /** How a line of standard input becomes arguments. */
    enum Shape {
        /**
         * One id a line; a line that is a JSON object with an {@code "id"} (a line of {@code hv -j
         * list}) stands for that id.
         */
        IDS,
        /** One JSON document a line. */
        JSON,
        /**
         * Pairs ({@code ID JSON}, {@code ID SUBNET_ID}): one a line, or both on one line separated by
         * white space (a line that starts with {@code {} is never split).
         */
        PAIRS
    }

    private Arguments() {}

    static List<String> resolve(List<String> given, Shape shape, Io io) {
        if (given != null && !given.isEmpty()) {
            return given;
        }
        if (io.stdinIsTerminal()) {
            return List.of();
        }
        List<String> arguments = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(io.stdin(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                String text = line.strip();
                if (!text.isEmpty()) {
                    add(arguments, text, shape);
                }
            }
        } catch (IOException e) {
            throw new FatalException("cannot read standard input: " + e.getMessage());
        }
        return arguments;
    }

    private static void add(List<String> arguments, String line, Shape shape) {
        switch (shape) {
            case JSON -> arguments.add(line);
            case IDS -> arguments.add(idOf(line));
            case PAIRS -> {
                String[] parts = line.startsWith("{") ? new String[] {line} : line.split("\\s+", 2);
                for (String part : parts) {
                    arguments.add(part);
                }
            }
        }
    }

    private static String idOf(String line) {
        if (line.startsWith("{")) {
            try {
                JsonNode json = Json.MAPPER.readTree(line);
                if (json.path("id").isTextual()) {
                    return json.get("id").asText();
                }
            } catch (IOException e) {
                // not JSON after all: the line is the argument, and the service will say what is wrong
            }
        }
        return line;
    }
}
