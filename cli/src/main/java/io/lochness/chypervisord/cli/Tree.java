package io.lochness.chypervisord.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The human view of a hypervisor's guests, config or subnets: its id, then one branch per item. */
final class Tree {
    private Tree() {}

    /** The id, then {@code ├── item} for each item but the last, {@code └── item} for the last. */
    static List<String> of(String id, List<String> items) {
        List<String> lines = new ArrayList<>(items.size() + 1);
        lines.add(id);
        for (int i = 0; i < items.size(); i++) {
            lines.add((i == items.size() - 1 ? "└── " : "├── ") + items.get(i));
        }
        return lines;
    }

    /** A JSON array's elements, as text. */
    static List<String> elements(JsonNode array) {
        List<String> items = new ArrayList<>();
        array.forEach(element -> items.add(text(element)));
        return items;
    }

    /** A JSON object's entries as {@code key:value}, sorted by key. */
    static List<String> entries(JsonNode object) {
        Map<String, String> sorted = new TreeMap<>();
        object.properties().forEach(entry -> sorted.put(entry.getKey(), text(entry.getValue())));
        List<String> items = new ArrayList<>(sorted.size());
        sorted.forEach((key, value) -> items.add(key + ":" + value));
        return items;
    }

    private static String text(JsonNode node) {
        return node.isValueNode() ? node.asText() : Json.line(node);
    }
}
