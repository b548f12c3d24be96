package io.kunlun.core.engines;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A server program's product and version, as its {@code --version} tells them. */
public record ServerVersion(String program, String product, int major, int minor, int patch) {
    private static final Pattern MYSQL_FAMILY = Pattern.compile("\\bVer\\s+(\\d+)\\.(\\d+)\\.(\\d+)(\\S*)");
    private static final Pattern POSTGRES = Pattern.compile("\\(PostgreSQL\\)\\s+(\\d+)(?:\\.(\\d+))?");

    public String number() {
        return major + "." + minor + "." + patch;
    }

    public boolean atLeast(int wantedMajor, int wantedMinor) {
        return major > wantedMajor || (major == wantedMajor && minor >= wantedMinor);
    }

    /** {@code mariadbd 10.11.6 (MariaDB)}: program, version, product, as messages show it. */
    @Override
    public String toString() {
        return program + " " + number() + " (" + product + ")";
    }

    /**
     * Reads the first line of a MySQL-family server's {@code --version}, e.g.
     * {@code mariadbd  Ver 10.11.6-MariaDB-0+deb12u1 for debian-linux-gnu on x86_64 (Debian 12)}
     * or {@code mysqld  Ver 8.0.36 for Linux on x86_64 (MySQL Community Server - GPL)}.
     */
    static Optional<ServerVersion> parseMysqlFamily(String program, String versionLine) {
        Matcher matcher = MYSQL_FAMILY.matcher(versionLine);
        if (!matcher.find()) {
            return Optional.empty();
        }
        String lower = versionLine.toLowerCase();
        String product;
        if (matcher.group(4).contains("MariaDB")) {
            product = "MariaDB";
        } else if (lower.contains("kunlun")) {
            product = "kunlun-storage";
        } else if (lower.contains("percona")) {
            product = "Percona Server";
        } else if (lower.contains("mysql")) {
            product = "MySQL";
        } else {
            return Optional.empty();
        }
        return Optional.of(new ServerVersion(program, product, Integer.parseInt(matcher.group(1)),
                Integer.parseInt(matcher.group(2)), Integer.parseInt(matcher.group(3))));
    }

    /** Reads {@code postgres (PostgreSQL) 15.6 (Debian 15.6-0+deb12u1)}. */
    static Optional<ServerVersion> parsePostgres(String program, String versionLine) {
        Matcher matcher = POSTGRES.matcher(versionLine);
        if (!matcher.find()) {
            return Optional.empty();
        }
        int minor = matcher.group(2) == null ? 0 : Integer.parseInt(matcher.group(2));
        return Optional.of(new ServerVersion(program, "PostgreSQL", Integer.parseInt(matcher.group(1)), minor, 0));
    }
}
