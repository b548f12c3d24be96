package io.kunlun.core.engines;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Editing a MySQL-family option file ({@code my.cnf}): one setting of one section, replacing the
 * lines that set it already and keeping every other line as it is.
 */
final class OptionFile {
    private OptionFile() {
    }

    /**
     * The file with {@code name = value} in {@code [section]}: in place of the section's lines for
     * that option (the server reads {@code -} and {@code _} in option names alike), else at the end
     * of the section, else in a new section at the end of the file.
     */
    static String withSetting(String content, String section, String name, String value) {
        String setting = name + " = " + value;
        List<String> lines = new ArrayList<>(content.lines().toList());
        String header = "[" + section + "]";
        int start = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).strip().equalsIgnoreCase(header)) {
                start = i;
                break;
            }
        }
        if (start < 0) {
            lines.add(header);
            lines.add(setting);
            return String.join("\n", lines) + "\n";
        }
        int end = start + 1;
        while (end < lines.size() && !lines.get(end).strip().startsWith("[")) {
            end++;
        }
        int insertAt = end;
        for (int i = end - 1; i > start; i--) {
            if (optionName(lines.get(i)).equals(optionName(name))) {
                lines.remove(i);
                insertAt = i;
            }
        }
        lines.add(insertAt, setting);
        return String.join("\n", lines) + "\n";
    }

    /** The option a line sets, in one spelling; empty for comments and blank lines. */
    private static String optionName(String line) {
        String text = line.strip();
        if (text.isEmpty() || text.startsWith("#") || text.startsWith(";")) {
            return "";
        }
        int equals = text.indexOf('=');
        return (equals < 0 ? text : text.substring(0, equals)).strip().replace('-', '_').toLowerCase(Locale.ROOT);
    }
}
