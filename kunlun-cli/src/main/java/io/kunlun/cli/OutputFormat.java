package io.kunlun.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kunlun.model.job.WireFormat;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/** How kunlunctl prints a reply on stdout: as the API sent it, or readably. */
enum OutputFormat {
    /** Key-value lines for one object; a table with a header for a list of objects. */
    TABLE {
        @Override
        void print(ObjectNode reply, PrintWriter out) {
            ObjectNode listed = reply.deepCopy();
            JsonNode nextPage = listed.remove(NEXT_AFTER);
            List<JsonNode> rows = rowsOf(listed);
            if (rows == null) {
                printKeyValues(reply, out);
                return;
            }
            if (rows.isEmpty()) {
                out.println("(none)");
            } else {
                printTable(rows, out);
            }
            if (nextPage != null) {
                out.println(NEXT_AFTER + GAP + cell(nextPage));
            }
        }
    },
    /** The reply object exactly as the API defines it, indented. */
    JSON {
        @Override
        void print(ObjectNode reply, PrintWriter out) {
            try {
                out.println(WireFormat.json().writerWithDefaultPrettyPrinter().writeValueAsString(reply));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("a parsed reply cannot be written back: " + e.getMessage(), e);
            }
        }
    };

    private static final String GAP = "  ";
    /** list_machines's page cursor beside its numbered machines: printed under their table. */
    private static final String NEXT_AFTER = "next_after";

    abstract void print(ObjectNode reply, PrintWriter out);

    /**
     * The rows when the reply is a list: one field holding an array of objects
     * ({@code {"jobs":[...]}}), or objects under numbered keys ({@code {"meta0":{...},...}}).
     * Null when the reply is one object's fields.
     */
    private static List<JsonNode> rowsOf(ObjectNode reply) {
        if (reply.size() == 1) {
            JsonNode only = reply.elements().next();
            if (only.isArray() && allObjects(only)) {
                return toList(only);
            }
        }
        return allObjects(reply) ? toList(reply) : null;
    }

    private static boolean allObjects(JsonNode container) {
        for (JsonNode element : container) {
            if (!element.isObject()) {
                return false;
            }
        }
        return true;
    }

    private static List<JsonNode> toList(JsonNode container) {
        List<JsonNode> list = new ArrayList<>();
        container.elements().forEachRemaining(list::add);
        return list;
    }

    /** One object: its fields as key-value lines, then each list of objects in it as a table under its name. */
    private static void printKeyValues(ObjectNode reply, PrintWriter out) {
        List<String> keys = new ArrayList<>();
        List<String> lists = new ArrayList<>();
        reply.fieldNames().forEachRemaining(key -> {
            JsonNode value = reply.get(key);
            (value.isArray() && !value.isEmpty() && allObjects(value) ? lists : keys).add(key);
        });
        int width = keys.stream().mapToInt(String::length).max().orElse(0);
        for (String key : keys) {
            out.println(pad(key, width) + GAP + cell(reply.get(key)));
        }
        for (String list : lists) {
            out.println();
            out.println(list + ":");
            printTable(toList(reply.get(list)), out);
        }
    }

    private static void printTable(List<JsonNode> rows, PrintWriter out) {
        Set<String> names = new LinkedHashSet<>();
        rows.forEach(row -> row.fieldNames().forEachRemaining(names::add));
        // Free text and nested values have no useful width: last, so that the other columns stay narrow.
        List<String> columns = names.stream()
                .sorted(Comparator.comparing((String name) -> isWide(name, rows)))
                .toList();
        List<List<String>> lines = new ArrayList<>();
        lines.add(columns.stream().map(column -> column.toUpperCase(Locale.ROOT)).toList());
        for (JsonNode row : rows) {
            lines.add(columns.stream().map(column -> cell(row.get(column))).toList());
        }
        int[] widths = new int[columns.size()];
        for (List<String> line : lines) {
            for (int i = 0; i < widths.length; i++) {
                widths[i] = Math.max(widths[i], line.get(i).length());
            }
        }
        for (List<String> line : lines) {
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < widths.length; i++) {
                text.append(i == widths.length - 1 ? line.get(i) : pad(line.get(i), widths[i]) + GAP);
            }
            out.println(text.toString().stripTrailing());
        }
    }

    private static boolean isWide(String column, List<JsonNode> rows) {
        return column.equals("info") || rows.stream().anyMatch(row -> row.path(column).isContainerNode());
    }

    /** A value as one line: scalars as text, lists comma-separated, objects as key=value pairs. */
    private static String cell(JsonNode value) {
        if (value == null || value.isNull()) {
            return "";
        }
        if (value.isArray()) {
            return toList(value).stream().map(OutputFormat::cell).collect(Collectors.joining(", "));
        }
        if (value.isObject()) {
            List<String> pairs = new ArrayList<>();
            value.fields().forEachRemaining(field -> pairs.add(field.getKey() + "=" + cell(field.getValue())));
            return String.join(" ", pairs);
        }
        return value.asText();
    }

    private static String pad(String text, int width) {
        return text + " ".repeat(width - text.length());
    }
}
