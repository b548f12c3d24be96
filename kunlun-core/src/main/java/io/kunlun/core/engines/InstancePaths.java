package io.kunlun.core.engines;

import io.kunlun.core.ManagerException;

import java.util.regex.Pattern;

/**
 * The one rule for every path the engines put into a command, a configuration file or a
 * {@code rm -rf}: absolute, made of plain characters, no {@code .} or {@code ..} segment, and
 * for directories that get removed, at least two levels below the root.
 */
public final class InstancePaths {
    private static final Pattern SAFE = Pattern.compile("(/[A-Za-z0-9_.+-]+)+");

    /** The directory the layouts put right under a machine's registered root; all instances live below it. */
    static final String INSTANCE_DATA = "/instance_data/";

    private InstancePaths() {
    }

    /**
     * The machine's registered root that a layout directory (or one inside it) lies under: what
     * comes before its last {@code /instance_data/}. Below the root, every component is the
     * manager's to create.
     */
    static String registeredRoot(String directory) {
        int at = directory.lastIndexOf(INSTANCE_DATA);
        if (at <= 0) {
            throw ManagerException.refused(directory + " is not under a machine's root (<root>" + INSTANCE_DATA + "…)");
        }
        return directory.substring(0, at);
    }

    public static String requireSafe(String path, String what) {
        if (path == null || !SAFE.matcher(path).matches() || path.contains("/./") || path.contains("/../")
                || path.endsWith("/.") || path.endsWith("/..")) {
            throw ManagerException.refused(what + " must be an absolute path of letters, digits and ._+-, got \""
                    + path + "\"");
        }
        return path;
    }

    /** A directory that belongs to one instance and is deleted with it. */
    static String requireInstanceDirectory(String path, String what) {
        requireSafe(path, what);
        if (path.chars().filter(c -> c == '/').count() < 2) {
            throw ManagerException.refused(what + " must be at least two levels below /, got \"" + path + "\"");
        }
        return path;
    }

    /** Unix socket paths are limited to 107 bytes by the kernel (sun_path). */
    static void requireSocket(String label, String socketPath) {
        if (socketPath.length() > 107) {
            throw ManagerException.refused(label + ": the socket path " + socketPath + " is longer than 107 bytes;"
                    + " choose a shorter data directory");
        }
    }
}
