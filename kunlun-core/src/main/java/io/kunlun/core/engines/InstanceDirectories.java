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
     * Walks a directory below its registered root ($1), component by component ($2, relative),
     * refusing a component that is a symbolic link (exit 3, the path and its target on stderr) or
     * that is not a directory (exit 4). Once a component's parent is writable by the instance
     * account (the rest of $@ runs a command as it), that component and every one below it are
     * the account's to change: it could swap them for links at any moment, and root would then
     * act wherever they point. With $3 = make, missing components are made (the root too, as
     * create_machine found it or the operator made it): as the account from there on, by root
     * before. With $3 = inspect, the walk ends at the first missing component. Prints 1 when the
     * account controls the last component walked, 0 when only root does.
     */
    private static final String WALK_BELOW_ROOT = """
            root=$1 relative=$2 mode=$3; shift 3; path=$root controlled=0
            if [ "$mode" = make ]; then mkdir -p -- "$root" || exit 5; fi
            IFS=/; set -f
            for component in $relative; do
              parent=$path path=$path/$component
              [ $controlled = 1 ] || ! "$@" test -w "$parent" || controlled=1
              if [ "$mode" = make ] && [ ! -L "$path" ] && [ ! -e "$path" ]; then
                if [ $controlled = 1 ]; then "$@" mkdir -- "$path" 2>/dev/null; else mkdir -- "$path" 2>/dev/null; fi
              fi
              if [ -L "$path" ]; then printf '%s\n%s\n' "$path" "$(readlink -- "$path")" >&2; exit 3; fi
              if [ "$mode" = inspect ] && [ ! -e "$path" ]; then break; fi
              if [ ! -d "$path" ]; then printf '%s\n' "$path" >&2; exit 4; fi
            done
            echo $controlled""";
    private static final int LINK = 3;
    private static final int NOT_A_DIRECTORY = 4;

    /**
     * Creates the directories below their machine's root without going through any symbolic link
     * there, gives those root made to the account, closes them to everyone else (0700: another
     * cluster's account reads nothing of them), proves that the account can write them and marks
     * the first as made by {@code maker} (a job id).
     */
    static void create(HostAccess host, InstanceAccount account, String label, List<String> directories,
                       String maker) {
        List<String> madeByRoot = new ArrayList<>();
        for (String directory : directories) {
            if (!walkBelowRoot(host, account, label, directory, "make")) {
                madeByRoot.add(directory);
            }
        }
        account.own(host, madeByRoot);
        for (String directory : directories) {
            if (!host.run(account.command(List.of("test", "-w", directory, "-a", "-x", directory))).succeeded()) {
                throw ManagerException.refused(label + ": " + directory + " is not writable by " + account.name());
            }
        }
        List<String> chmod = new ArrayList<>(List.of("chmod", "0700", "--"));
        chmod.addAll(directories);
        host.check(account.command(chmod));
        account.writeFile(host, makerFile(directories.get(0)), maker + "\n");
    }

    /**
     * Walks to one directory (see WALK_BELOW_ROOT) in {@code mode} make or inspect; answers
     * whether the account controls it.
     */
    private static boolean walkBelowRoot(HostAccess host, InstanceAccount account, String label, String directory,
                                         String mode) {
        String root = InstancePaths.registeredRoot(directory);
        List<String> argv = new ArrayList<>(List.of("sh", "-c", WALK_BELOW_ROOT, "sh", root,
                directory.substring(root.length() + 1), mode));
        argv.addAll(account.argv(List.of()));
        CommandResult made = host.run(new Command(argv, null, Command.DEFAULT_TIMEOUT));
        List<String> said = made.stderr().lines().toList();
        if (made.exitCode() == LINK && said.size() >= 2) {
            throw ManagerException.refused(label + ": " + said.get(0) + " is a symbolic link (to " + said.get(1)
                    + "); below the machine's root " + root + " the manager " + (mode.equals("make")
                    ? "creates directories" : "deletes instances") + " through no link");
        }
        if (made.exitCode() == NOT_A_DIRECTORY && !said.isEmpty()) {
            throw ManagerException.refused(label + ": " + said.get(0) + " exists and is not a directory");
        }
        if (!made.succeeded()) {
            throw ManagerException.refused(label + ": cannot " + (mode.equals("make") ? "create " : "reach ")
                    + directory + ": "
                    + made.stderr().strip().replace('\n', ' '));
        }
        return made.stdout().strip().equals("1");
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
     * leaves the maker file, so that the maker can finish it. No component between the machine's
     * root and a directory may be a symbolic link (rm and find follow those, not the directory's
     * own name); a directory whose parent the account controls is deleted as the account, which
     * then reaches nothing it could not delete itself.
     */
    static void remove(HostAccess host, InstanceAccount account, String label, List<String> directories) {
        String instanceDir = directories.get(0);
        for (String directory : directories.subList(1, directories.size())) {
            host.check(deleting(host, account, label, directory, List.of("rm", "-rf", "--", directory)));
        }
        if (host.exists(instanceDir)) {
            host.check(deleting(host, account, label, instanceDir, List.of("find", instanceDir, "-mindepth", "1",
                    "!", "-path", makerFile(instanceDir), "-delete")));
            host.check(deleting(host, account, label, instanceDir, List.of("rm", "-rf", "--", instanceDir)));
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

    /**
     * Moves what each of the directories holds into a subdirectory of {@code keptAside} (a new
     * directory), named by {@code names} in the same order, as the account whose files they are:
     * the directories are left empty and nothing is deleted.
     */
    static void moveContents(HostAccess host, InstanceAccount account, List<String> directories, List<String> names,
                             String keptAside) {
        List<String> argv = new ArrayList<>(List.of("sh", "-c", "kept=$1; shift; mkdir -m 0700 -- \"$kept\" || exit;"
                + " while [ $# -gt 0 ]; do mkdir -- \"$kept/$1\" && find \"$2\" -mindepth 1 -maxdepth 1"
                + " -exec mv -t \"$kept/$1\" -- {} + || exit; shift 2; done", "sh", keptAside));
        for (int i = 0; i < directories.size(); i++) {
            argv.add(names.get(i));
            argv.add(directories.get(i));
        }
        host.check(account.command(argv).withTimeout(Command.DEFAULT_TIMEOUT.multipliedBy(10)));
    }

    /** {@code argv} deleting {@code directory}: as the account when it controls the directory's parent. */
    private static Command deleting(HostAccess host, InstanceAccount account, String label, String directory,
                                    List<String> argv) {
        String parent = directory.substring(0, directory.lastIndexOf('/'));
        boolean controlled = walkBelowRoot(host, account, label, parent, "inspect");
        return controlled ? account.command(argv) : new Command(argv, null, Command.DEFAULT_TIMEOUT);
    }

    private static String makerFile(String instanceDir) {
        return instanceDir + "/" + MAKER_FILE;
    }
}
