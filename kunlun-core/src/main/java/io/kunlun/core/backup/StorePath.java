package io.kunlun.core.backup;

import io.kunlun.core.ManagerException;
import io.kunlun.core.hosts.Command;
import io.kunlun.core.hosts.CommandResult;
import io.kunlun.core.hosts.HostAccess;

/**
 * The check that the backup store's directory cannot be redirected by another account of its
 * machine. The manager makes the store's directories itself ({@code mkdir -p}, as root where it
 * is root) and later deletes in them; if another account (an instance account, say) could write
 * in the store's directory or in one above it, it could put a link where the manager is about to
 * make or empty a directory and have it write backups, or delete, elsewhere.
 *
 * <p>So every part of the path that exists must belong to root or to the manager's account on
 * that machine, and must not be writable by others, unless it has the sticky bit (as /tmp has),
 * which keeps others from renaming or replacing what the manager made there.
 */
public final class StorePath {
    /** Walks from the path up to /, printing the first part that fails and why. */
    private static final String CHECK = "me=$(id -u); d=\"$1\"; while :; do"
            + " if [ -L \"$d\" ]; then owner=$(stat -c %u -- \"$d\");"
            + "  if [ \"$owner\" != 0 ] && [ \"$owner\" != \"$me\" ]; then"
            + "   echo \"$d is a link owned by uid $owner\"; exit 3; fi; fi;"
            + " if [ -e \"$d\" ]; then owner=$(stat -L -c %u -- \"$d\"); mode=$(stat -L -c %a -- \"$d\");"
            + "  if [ \"$owner\" != 0 ] && [ \"$owner\" != \"$me\" ]; then"
            + "   echo \"$d belongs to uid $owner\"; exit 3; fi;"
            + "  if [ $(( 0$mode & 022 )) -ne 0 ] && [ $(( 0$mode & 01000 )) -eq 0 ]; then"
            + "   echo \"$d is writable by other accounts (mode $mode)\"; exit 3; fi; fi;"
            + " [ \"$d\" = / ] && break; d=$(dirname -- \"$d\"); done";

    private StorePath() {
    }

    /**
     * Refuses a store whose directory, or a directory above it, another account could change.
     *
     * @param location the store as messages name it ({@code hostaddr:/path})
     */
    public static void requireSafe(HostAccess host, String location, String path) {
        CommandResult checked = host.run(Command.of("sh", "-c", CHECK, "sh", path));
        if (checked.exitCode() == 3) {
            throw ManagerException.refused("backup store " + location + " is not safe to write in: "
                    + checked.stdout().strip() + "; another account could put a link there."
                    + " Give the store a path whose directories belong to root or to the manager's account"
                    + " and are not writable by others");
        }
        if (!checked.succeeded()) {
            throw ManagerException.refused("backup store " + location + ": cannot check its directories: "
                    + checked.stderr().strip());
        }
    }
}
