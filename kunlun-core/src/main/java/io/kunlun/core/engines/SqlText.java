package io.kunlun.core.engines;

import io.kunlun.core.ManagerException;

import java.util.regex.Pattern;

/**
 * Turning values into SQL text. Names are checked against a strict pattern before they are
 * quoted; strings are quoted for the server they go to. Nothing else reaches a statement.
 */
final class SqlText {
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,31}");

    private SqlText() {
    }

    /** A user, database, server or shard name: a letter or underscore, then letters, digits, underscores. */
    static String requireName(String name, String what) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw ManagerException.refused(what + " must be 1 to 32 letters, digits or underscores, not starting"
                    + " with a digit, got \"" + name + "\"");
        }
        return name;
    }

    /** A MySQL/MariaDB string literal (backslash escapes on, as the server's default). */
    static String mysqlString(String value) {
        requireNoNul(value);
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    /** A PostgreSQL string literal (standard_conforming_strings on, the default since 9.1). */
    static String pgString(String value) {
        requireNoNul(value);
        return "'" + value.replace("'", "''") + "'";
    }

    /** A PostgreSQL identifier, always quoted so that its case is kept. */
    static String pgName(String name, String what) {
        return "\"" + requireName(name, what) + "\"";
    }

    private static void requireNoNul(String value) {
        if (value.indexOf('\0') >= 0) {
            throw ManagerException.refused("SQL strings cannot contain NUL characters");
        }
    }
}
