package io.lochness.chypervisord.bootstrap.ops;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The subset of JSON Schema 2020-12 the OpenAPI document uses, enough to check that the API's real
 * answers fit the document: {@code $ref} (local), {@code type}, {@code required}, {@code
 * properties}, {@code additionalProperties}, {@code propertyNames}, {@code items}, {@code allOf},
 * {@code anyOf}, {@code oneOf}, {@code not}, {@code enum}, {@code const}, {@code minimum}, {@code
 * maximum}, {@code minLength}, {@code maxLength}, {@code pattern}. Formats are not checked.
 */
final class SchemaCheck {
    private final JsonNode document;

    SchemaCheck(JsonNode document) {
        this.document = document;
    }

    /** Resolves a local {@code $ref} such as {@code #/components/schemas/Error}. */
    JsonNode resolve(JsonNode node) {
        while (node != null && node.has("$ref")) {
            String ref = node.get("$ref").asText();
            if (!ref.startsWith("#/")) {
                throw new AssertionError("not a local $ref: " + ref);
            }
            JsonNode target = document.at(ref.substring(1));
            if (target.isMissingNode()) {
                throw new AssertionError("$ref does not resolve: " + ref);
            }
            node = target;
        }
        return node;
    }

    /** The ways {@code value} breaks {@code schema}; empty when it fits. */
    List<String> problems(JsonNode schema, JsonNode value) {
        List<String> out = new ArrayList<>();
        check(schema, value, "$", out);
        return out;
    }

    private void check(JsonNode schema, JsonNode value, String at, List<String> out) {
        schema = resolve(schema);
        if (schema.has("type")) {
            boolean any = false;
            for (JsonNode t : schema.get("type").isArray() ? schema.get("type") : List.of(schema.get("type"))) {
                any |= hasType(value, t.asText());
            }
            if (!any) {
                out.add(at + ": " + value + " is not of type " + schema.get("type"));
                return;
            }
        }
        if (schema.has("const") && !schema.get("const").equals(value)) {
            out.add(at + ": " + value + " is not " + schema.get("const"));
        }
        if (schema.has("enum")) {
            boolean found = false;
            for (JsonNode e : schema.get("enum")) {
                found |= e.equals(value);
            }
            if (!found) {
                out.add(at + ": " + value + " is not one of " + schema.get("enum"));
            }
        }
        if (schema.has("allOf")) {
            for (JsonNode s : schema.get("allOf")) {
                check(s, value, at, out);
            }
        }
        if (schema.has("anyOf") && count(schema.get("anyOf"), value, at) == 0) {
            out.add(at + ": " + value + " fits none of anyOf");
        }
        if (schema.has("oneOf") && count(schema.get("oneOf"), value, at) != 1) {
            out.add(at + ": " + value + " does not fit exactly one of oneOf");
        }
        if (schema.has("not") && problems(schema.get("not"), value).isEmpty()) {
            out.add(at + ": " + value + " fits the schema it must not");
        }
        if (value.isTextual()) {
            String s = value.textValue();
            int length = s.codePointCount(0, s.length());
            if (schema.has("minLength") && length < schema.get("minLength").asInt()) {
                out.add(at + ": " + value + " is shorter than " + schema.get("minLength"));
            }
            if (schema.has("maxLength") && length > schema.get("maxLength").asInt()) {
                out.add(at + ": " + value + " is longer than " + schema.get("maxLength"));
            }
            if (schema.has("pattern") && !Pattern.compile(schema.get("pattern").asText()).matcher(s).find()) {
                out.add(at + ": " + value + " does not match " + schema.get("pattern").asText());
            }
        }
        if (value.isNumber()) {
            BigInteger n = value.bigIntegerValue();
            if (schema.has("minimum") && n.compareTo(schema.get("minimum").bigIntegerValue()) < 0) {
                out.add(at + ": " + value + " is below " + schema.get("minimum"));
            }
            if (schema.has("maximum") && n.compareTo(schema.get("maximum").bigIntegerValue()) > 0) {
                out.add(at + ": " + value + " is above " + schema.get("maximum"));
            }
        }
        if (value.isObject()) {
            if (schema.has("required")) {
                for (JsonNode r : schema.get("required")) {
                    if (!value.has(r.asText())) {
                        out.add(at + ": required " + r.asText() + " is missing");
                    }
                }
            }
            JsonNode properties = schema.path("properties");
            for (Iterator<Map.Entry<String, JsonNode>> it = value.properties().iterator(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String child = at + "." + e.getKey();
                if (schema.has("propertyNames")) {
                    check(schema.get("propertyNames"), OpsHttp.JSON.getNodeFactory().textNode(e.getKey()),
                            child + "(name)", out);
                }
                if (properties.has(e.getKey())) {
                    check(properties.get(e.getKey()), e.getValue(), child, out);
                } else if (schema.has("additionalProperties")) {
                    JsonNode ap = schema.get("additionalProperties");
                    if (ap.isBoolean()) {
                        if (!ap.booleanValue()) {
                            out.add(child + ": not allowed");
                        }
                    } else {
                        check(ap, e.getValue(), child, out);
                    }
                }
            }
        }
        if (value.isArray() && schema.has("items")) {
            int i = 0;
            for (JsonNode item : value) {
                check(schema.get("items"), item, at + "[" + i++ + "]", out);
            }
        }
    }

    private int count(JsonNode schemas, JsonNode value, String at) {
        int n = 0;
        for (JsonNode s : schemas) {
            List<String> p = new ArrayList<>();
            check(s, value, at, p);
            n += p.isEmpty() ? 1 : 0;
        }
        return n;
    }

    private static boolean hasType(JsonNode v, String type) {
        return switch (type) {
            case "string" -> v.isTextual();
            case "integer" -> v.isIntegralNumber();
            case "number" -> v.isNumber();
            case "boolean" -> v.isBoolean();
            case "object" -> v.isObject();
            case "array" -> v.isArray();
            case "null" -> v.isNull();
            default -> throw new AssertionError("unknown type " + type);
        };
    }
}
