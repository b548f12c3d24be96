package io.kunlun.core.engines;

import io.kunlun.core.ManagerException;
import io.kunlun.core.hosts.Command;
import io.kunlun.core.hosts.CommandResult;
import io.kunlun.core.hosts.HostAccess;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Creating an instance's directories for its account, and deleting them with it. The first
 * directory of an instance is its own directory; it holds the maker file, which names the job that
 * created the instance.
 */
final class InstanceDirectories {
    static final String MAKER_FILE = ".kunlun-maker";

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

    /**
     * Creates the directories, gives them to the account, proves that the account can write them
     * and marks the first as made by {@code maker} (a job id).
     */
    static void create(HostAccess host, InstanceAccount account, String label, List<String> directories,
                       String maker) {
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
        account.writeFile(host, makerFile(directories.get(0)), maker + "\n");
    }

    /** What the instance's own directory says of who made it. */
    static InstanceMaker maker(HostAccess host, InstanceAccount account, String instanceDir) {
        if (!host.exists(instanceDir)) {
            return InstanceMaker.ABSENT;
        }
        // Read as the account, and only its first line: a link it planted shows nothing it could not read.
        CommandResult read = host.run(account.command(List.of("head", "-c", "200", "--", makerFile(instanceDir))));
        String job = read.succeeded() ? read.stdout().lines().findFirst().orElse("").strip() : "";
        return new InstanceMaker(true, job.isEmpty() ? Optional.empty() : Optional.of(job));
    }

    /** Runs {@code removal} when the instance directory was made by {@code maker}; answers what it found. */
    static InstanceMaker removeIfMadeBy(InstanceMaker found, String maker, Runnable removal) {
        if (found.madeBy(maker)) {
            removal.run();
        }
        return found;
    }

    /**
     * Deletes the directories; those that do not exist are already as wanted. The instance's own
     * directory (the first) goes last, and in it the maker file last: a removal cut off half-way
     * leaves the maker file, so that the maker can finish it.
     */
    static void remove(HostAccess host, List<String> directories) {
        String instanceDir = directories.get(0);
        List<String> rm = new ArrayList<>(List.of("rm", "-rf", "--"));
        rm.addAll(directories.subList(1, directories.size()));
        if (directories.size() > 1) {
            host.check(new Command(rm, null, Command.DEFAULT_TIMEOUT));
        }
        if (host.exists(instanceDir)) {
            host.check(new Command(List.of("find", instanceDir, "-mindepth", "1", "!", "-path",
                    makerFile(instanceDir), "-delete"), null, Command.DEFAULT_TIMEOUT));
            host.check(new Command(List.of("rm", "-rf", "--", instanceDir), null, Command.DEFAULT_TIMEOUT));
        }
    }

    /**
     * Deletes what the directories hold, as the account whose files they are; those that do not
     * exist are already as wanted.
     */
    static void empty(HostAccess host, InstanceAccount account, List<String> directories) {
        List<String> argv = new ArrayList<>(List.of("sh", "-c", "for d in \"$@\"; do [ ! -e \"$d\" ] || find \"$d\""
                + " -mindepth 1 -delete || exit; done", "sh"));
        argv.addAll(directories);
        host.check(account.command(argv).withTimeout(Command.DEFAULT_TIMEOUT.multipliedBy(10)));
    }

    private static String makerFile(String instanceDir) {
        return instanceDir + "/" + MAKER_FILE;
    }
}
