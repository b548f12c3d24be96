package io.kunlun.core.engines;

import io.kunlun.core.ManagerException;

import java.util.regex.Pattern;

/**
 * Turning values into SQL text. Names are checked against a strict pattern before they are
 * quoted; strings are quoted for the server they go to. Nothing else reaches a statement.
 */
public final class SqlText {
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,31}");
    private static final Pattern MYSQL_VARIABLE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,63}");
    /** A setting, or an extension's custom setting {@code extension.name}. */
    private static final Pattern PG_SETTING = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}(\\.[A-Za-z_][A-Za-z0-9_]{0,62})?");
    private static final Pattern INTEGER = Pattern.compile("-?[0-9]{1,19}");

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

    /** A MySQL/MariaDB system variable name, used bare in {@code @@GLOBAL.name} and {@code SET GLOBAL name}. */
    static String mysqlVariable(String name) {
        return requireMatch(MYSQL_VARIABLE, name, "a MariaDB variable name is 1 to 64 letters, digits or"
                + " underscores, not starting with a digit");
    }

    /** A PostgreSQL setting name, used bare in {@code ALTER SYSTEM SET}; PostgreSQL folds it to lower case. */
    static String pgSetting(String name) {
        return requireMatch(PG_SETTING, name, "a PostgreSQL setting name is letters, digits or underscores,"
                + " not starting with a digit, optionally prefixed by an extension name and a dot")
                .toLowerCase(java.util.Locale.ROOT);
    }

    /** An integer literal, the same in every SQL dialect. */
    static String integer(String value) {
        return requireMatch(INTEGER, value, "an integer value is an optional minus sign and up to 19 digits");
    }

    private static String requireMatch(Pattern pattern, String value, String rule) {
        if (value == null || !pattern.matcher(value).matches()) {
            throw ManagerException.refused(rule + ", got \"" + value + "\"");
        }
        return value;
    }

    /** A MySQL/MariaDB string literal (backslash escapes on, as the server's default). */
    public static String mysqlString(String value) {
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
