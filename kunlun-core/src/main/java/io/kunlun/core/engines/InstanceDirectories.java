package io.kunlun.core.engines;

import io.kunlun.core.ManagerException;
import io.kunlun.core.hosts.Command;
import io.kunlun.core.hosts.CommandResult;
import io.kunlun.core.hosts.HostAccess;

import java.util.ArrayList;
import java.util.List;

/** Creating an instance's directories for its account, and deleting them with it. */
final class InstanceDirectories {
    private InstanceDirectories() {
    }

    /**
     * Refuses a directory that exists already with something in it: it belongs to another
     * instance, or to an earlier attempt that nobody cleaned up, and is not ours to delete.
     */
    static void requireAbsentOrEmpty(HostAccess host, String label, List<String> directories) {
        for (String directory : directories) {
            CommandResult listing = host.run(Command.of("ls", "-A", "--", directory));
            if (listing.succeeded() && !listing.stdout().isBlank()) {
                throw ManagerException.refused(label + ": " + directory + " already exists and is not empty");
            }
        }
    }

    /** Creates the directories, gives them to the account and proves that the account can write them. */
    static void create(HostAccess host, InstanceAccount account, String label, List<String> directories) {
        List<String> mkdir = new ArrayList<>(List.of("mkdir", "-p", "--"));
        mkdir.addAll(directories);
        CommandResult made = host.run(new Command(mkdir, null, Command.DEFAULT_TIMEOUT));
        if (!made.succeeded()) {
            throw ManagerException.refused(label + ": cannot create the instance's directories: "
                    + made.stderr().strip().replace('\n', ' '));
        }
        account.own(host, directories);
        for (String directory : directories) {
            if (!host.run(account.command(List.of("test", "-w", directory, "-a", "-x", directory))).succeeded()) {
                throw ManagerException.refused(label + ": " + directory + " is not writable by " + account.name());
            }
        }
    }

    /** Deletes the directories; those that do not exist are already as wanted. */
    static void remove(HostAccess host, List<String> directories) {
        List<String> rm = new ArrayList<>(List.of("rm", "-rf", "--"));
        rm.addAll(directories);
        host.check(new Command(rm, null, Command.DEFAULT_TIMEOUT));
    }
}
