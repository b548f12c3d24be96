package io.kunlun.core.engines;

import io.kunlun.core.ManagerException;
import io.kunlun.core.hosts.Command;
import io.kunlun.core.hosts.CommandResult;
import io.kunlun.core.hosts.HostAccess;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.UnaryOperator;

/**
 * The operating-system account that runs database instances on one machine. When the manager
 * reaches the machine as root, instances run as the configured unprivileged account and every
 * command that touches their files runs as that account through {@code setpriv}; otherwise they
 * run as the account the manager already is, and commands run unchanged.
 *
 * <p>The account is named, never numbered, in what runs as it ({@code setpriv}, {@code chown}):
 * the machine resolves the names when the command runs, so what is remembered here can never
 * point at another account, even after an account was deleted and its uid given to a new one.
 * Each machine connection remembers who the manager is there and which accounts it found, so
 * that the commands of a health round or a job do not each ask the machine again.
 */
public record InstanceAccount(String name, String group, boolean switchUser) {
    /** Per machine connection (forgotten with it): the manager's own account, and the accounts found there. */
    private static final Map<HostAccess, Found> FOUND = Collections.synchronizedMap(new WeakHashMap<>());
    /** How long an edit waits for other edits of the same file, in all. */
    private static final Duration EDIT_LOCK_WAIT = Duration.ofSeconds(30);
    private static final int CHANGED_MEANWHILE = 75;
    /**
     * Under the lock ($3, waiting $5 s at most): replaces the file ($2) with standard input
     * through the temporary name ($1), unless its SHA-256 is no longer $4 (exit 75).
     */
    private static final String EDIT_IF_UNCHANGED = "umask 077 && exec 9>>\"$3\" && flock -w \"$5\" 9"
            + " && { [ \"$(sha256sum < \"$2\" | cut -d ' ' -f 1)\" = \"$4\" ] || exit 75; }"
            + " && rm -f -- \"$1\" && cat > \"$1\" && mv -f -- \"$1\" \"$2\"";

    /**
     * The account the manager reaches the machine as, commands unchanged: for the manager's own
     * processes (a binlog archiver in the backup store), whose files are the manager's.
     */
    public static InstanceAccount manager() {
        return new InstanceAccount("manager", "manager", false);
    }

    /**
     * The account the instance (or exporter) runs as on its machine: the one stored with it, else
     * the configured shared one. Either way the manager's own account when it is not root there.
     */
    public static InstanceAccount of(AccountHolder holder, EngineConfig config) {
        return resolve(holder.host(), holder.account().isEmpty() ? config.instanceAccount() : holder.account());
    }

    /** Resolves the account on the machine: asks it once per connection, then remembers. */
    public static InstanceAccount resolve(HostAccess host, String configuredName) {
        Found found = FOUND.computeIfAbsent(host, connection -> new Found());
        InstanceAccount self = found.self;
        if (self == null) {
            List<String> ids = host.check(Command.of("sh", "-c", "id -u && id -gn && id -un")).stdout().lines().toList();
            self = new InstanceAccount(ids.get(2), ids.get(1), ids.get(0).equals("0"));
            found.self = self;
        }
        if (!self.switchUser()) {
            return self; // not root: everything runs as the manager's own account
        }
        InstanceAccount known = found.accounts.get(configuredName);
        if (known != null) {
            return known;
        }
        CommandResult result = host.run(Command.of("id", "-gn", "--", configuredName));
        if (!result.succeeded()) {
            throw ManagerException.refused(host.address() + ": the account " + configuredName
                    + " that runs database instances does not exist (create it with: useradd --system"
                    + " --home-dir /nonexistent --shell /usr/sbin/nologin " + configuredName + ")");
        }
        InstanceAccount account = new InstanceAccount(configuredName, result.stdout().strip(), true);
        found.accounts.put(configuredName, account);
        return account;
    }

    /** The account was deleted from the machine: the next use asks the machine again (and fails clearly). */
    public static void forget(HostAccess host, String name) {
        Found found = FOUND.get(host);
        if (found != null) {
            found.accounts.remove(name);
        }
    }

    /** What one machine connection told: who the manager is there (root: its self switches users), and the accounts. */
    private static final class Found {
        volatile InstanceAccount self;
        final Map<String, InstanceAccount> accounts = new ConcurrentHashMap<>();
    }

    /** The program and its arguments, run as this account. */
    public List<String> argv(List<String> argv) {
        if (!switchUser) {
            return argv;
        }
        // From /: the session's own directory (root's home over SSH) is closed to the account, and
        // find, for one, fails when it cannot return to where it started.
        List<String> wrapped = new ArrayList<>(List.of("setpriv", "--reuid=" + name, "--regid=" + group,
                "--init-groups", "--reset-env", "--", "env", "--chdir=/"));
        wrapped.addAll(argv);
        return wrapped;
    }

    public Command command(List<String> argv) {
        return new Command(argv(argv), null, Command.DEFAULT_TIMEOUT);
    }

    /**
     * Gives the paths to this account (root created them); nothing to do otherwise. {@code -h}:
     * a path that is a symbolic link changes owner itself, never the file it points to.
     */
    void own(HostAccess host, List<String> paths) {
        if (!switchUser || paths.isEmpty()) {
            return;
        }
        List<String> argv = new ArrayList<>(List.of("chown", "-h", name + ":" + group, "--"));
        argv.addAll(paths);
        host.check(new Command(argv, null, Command.DEFAULT_TIMEOUT));
    }

    /**
     * A file in the account's directories, read as the account: whatever it planted there (a
     * symbolic link to a file only root may read) shows only what the account could read anyway.
     */
    String readFile(HostAccess host, String path) {
        return host.check(command(List.of("cat", "--", path))).stdout();
    }

    /**
     * Writes a file in the account's directories as the account itself, under umask 077 (only
     * the account may read it), through a fresh temporary name and a rename: readers never see
     * half of it, and a symbolic link the account planted at either name is replaced, not
     * followed, so no file outside what the account may write can change. Every file the engines
     * write for an instance goes through here.
     */
    void writeFile(HostAccess host, String path, String content) {
        host.check(command(List.of("sh", "-c",
                        "umask 077 && rm -f -- \"$1\" && cat > \"$1\" && mv -f -- \"$1\" \"$2\"",
                        "sh", path + ".kunlun-tmp", path))
                .withStdin(content.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * Changes a file in the account's directories by a read, an edit and a write that happens
     * only if the file is still what was read, checked and written under an exclusive
     * {@code flock} on {@code <path>.kunlun-lock}: two edits at once (a job's and a set_variable,
     * or two managers') never lose one another's change, and no lock is held across the round
     * trips to the machine. An edit that changes nothing writes nothing; answers whether it wrote.
     */
    boolean editFile(HostAccess host, String path, UnaryOperator<String> edit) {
        long deadline = System.nanoTime() + EDIT_LOCK_WAIT.toNanos();
        while (true) {
            String content = readFile(host, path);
            String edited = edit.apply(content);
            if (edited.equals(content)) {
                return false;
            }
            CommandResult written = host.run(command(List.of("sh", "-c", EDIT_IF_UNCHANGED, "sh",
                    path + ".kunlun-tmp", path, path + ".kunlun-lock", sha256(content),
                    String.valueOf(EDIT_LOCK_WAIT.toSeconds())))
                    .withStdin(edited.getBytes(StandardCharsets.UTF_8)));
            if (written.succeeded()) {
                return true;
            }
            if (written.exitCode() != CHANGED_MEANWHILE) {
                throw new ManagerException(ManagerException.Code.COMMAND_FAILED, host.address() + ": cannot write "
                        + path + " (exit " + written.exitCode() + "): " + written.stderr().strip());
            }
            if (System.nanoTime() > deadline) {
                throw new ManagerException(ManagerException.Code.COMMAND_FAILED, host.address() + ": " + path
                        + " kept changing under the manager's edit for " + EDIT_LOCK_WAIT.toSeconds()
                        + " s; nothing was written");
            }
            backOff();
        }
    }

    /** A random pause, so that edits that collided do not collide again in step. */
    private static void backOff() {
        try {
            Thread.sleep(ThreadLocalRandom.current().nextLong(20, 200));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ManagerException(ManagerException.Code.INTERRUPTED, "interrupted while editing an instance file");
        }
    }

    private static String sha256(String content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(content.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
