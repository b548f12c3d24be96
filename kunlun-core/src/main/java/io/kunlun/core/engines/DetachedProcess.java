package io.kunlun.core.engines;

import io.kunlun.core.ManagerException;
import io.kunlun.core.hosts.Command;
import io.kunlun.core.hosts.CommandResult;
import io.kunlun.core.hosts.HostAccess;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * The life of one database server process, the same for every engine (and for the manager's own
 * long-running helpers, such as a binlog archiver on the backup store's machine): started in a session of
 * its own with its output appended to its log (so that neither killing the manager nor closing
 * the SSH session that started it stops it), awaited until it answers, found again at any later
 * time, by any manager, from its command line alone, and stopped by process id.
 *
 * <p>A process is this instance's when its program is {@code argv[0]} and one of its arguments
 * is {@code identity}, an argument naming a file of this instance only (its configuration file
 * or data directory). Nothing is kept in memory between calls.
 */
public final class DetachedProcess {
    private static final Duration KILL_WAIT = Duration.ofSeconds(10);
    private static final int LOG_TAIL_LINES = 10;
    /**
     * Runs the server in the background in a new session, output appended to the log, and prints
     * its process id. {@code setsid} runs in the background of a non-interactive shell, so it is
     * not a process group leader and makes the new session without forking: {@code $!} is the
     * server itself, as {@code setpriv} and {@code setsid} both exec. The log is the account's
     * alone (mode 0600, made so again when an older one was wider): a server logs failed
     * statements, and a failed {@code CREATE ROLE … PASSWORD} holds a password.
     */
    private static final String PRIVATE_LOG = "umask 077; : >>\"$log\" && chmod go-rwx -- \"$log\" || exit 1;";
    private static final String LAUNCH = "log=$1; shift; " + PRIVATE_LOG
            + " setsid \"$@\" >>\"$log\" 2>&1 </dev/null & echo $!";
    /**
     * The same, with the variables of an environment file exported first: secrets a program reads
     * from its environment never appear on a command line. The file holds shell assignments the
     * manager wrote with quoted values.
     */
    private static final String LAUNCH_WITH_ENVIRONMENT = "log=$1; environment=$2; shift 2; " + PRIVATE_LOG
            + " set -a; . \"$environment\"; set +a; setsid \"$@\" >>\"$log\" 2>&1 </dev/null & echo $!";

    private final HostAccess host;
    private final InstanceAccount account;
    private final String label;
    private final List<String> argv;
    private final String identity;
    private final String logFile;
    private final String stopSignal;
    private final Optional<String> environmentFile;

    /**
     * @param label      how messages name the instance, {@code hostaddr:port}
     * @param argv       the server program and its arguments, run as the account
     * @param identity   an argument of argv that only this instance's server has
     * @param logFile    where the server's standard output and error go
     * @param stopSignal the signal that shuts the server down cleanly ({@code TERM}, {@code INT})
     */
    public DetachedProcess(HostAccess host, InstanceAccount account, String label, List<String> argv, String identity,
                    String logFile, String stopSignal) {
        this(host, account, label, argv, identity, logFile, stopSignal, Optional.empty());
    }

    /** @param environmentFile shell assignments of variables the program is started with */
    DetachedProcess(HostAccess host, InstanceAccount account, String label, List<String> argv, String identity,
                    String logFile, String stopSignal, Optional<String> environmentFile) {
        if (!argv.contains(identity)) {
            throw new IllegalArgumentException("the identity " + identity + " is not an argument of " + argv);
        }
        this.host = host;
        this.account = account;
        this.label = label;
        this.argv = List.copyOf(argv);
        this.identity = identity;
        this.logFile = logFile;
        this.stopSignal = stopSignal;
        this.environmentFile = environmentFile;
    }

    /** The program's file name, as messages call the server: {@code mariadbd}, {@code postgres}. */
    String programName() {
        String program = argv.get(0);
        return program.substring(program.lastIndexOf('/') + 1);
    }

    /**
     * Starts the server unless it runs already, then waits until {@code answers} says it does.
     * Fails with the tail of its log when it exits first, and stops it when it does not answer
     * before the deadline.
     */
    public StartOutcome start(BooleanSupplier answers, Duration timeout) {
        if (!pids().isEmpty()) {
            return StartOutcome.ALREADY_RUNNING;
        }
        List<String> launch = new ArrayList<>(environmentFile
                .map(environment -> List.of("sh", "-c", LAUNCH_WITH_ENVIRONMENT, "sh", logFile, environment))
                .orElse(List.of("sh", "-c", LAUNCH, "sh", logFile)));
        launch.addAll(argv);
        String pid = host.check(account.command(launch)).stdout().strip();
        long deadline = System.nanoTime() + timeout.toNanos();
        Poll poll = new Poll();
        while (!answers.getAsBoolean()) {
            if (!anyAlive(host, List.of(pid))) {
                throw failure(programName() + " exited: " + logTail());
            }
            if (System.nanoTime() > deadline) {
                stop(Duration.ZERO);
                throw failure(programName() + " did not answer within " + timeout.toSeconds() + " s: " + logTail());
            }
            poll.pause();
        }
        return StartOutcome.STARTED;
    }

    /** Process ids of this instance's server: empty when it does not run. */
    List<String> pids() {
        return ProcessTable.of(host).pids(this::isThisServer);
    }

    private boolean isThisServer(List<String> words) {
        return words.size() > 2 && words.get(1).equals(argv.get(0)) && words.subList(2, words.size()).contains(identity);
    }

    /**
     * Kills every process whose arguments name a path in one of the directories, and waits until
     * they are gone: the commands that were filling an instance (an initialisation, the receiving
     * end of a backup stream) when the manager that ran them died, which nothing else would stop.
     * Killing the receiving end of a stream also ends its sending end, which then writes to nobody.
     */
    public static void killCommandsIn(HostAccess host, String label, List<String> directories) {
        Predicate<List<String>> inDirectories = words -> words.stream().skip(1)
                .anyMatch(word -> directories.stream().anyMatch(directory -> word.contains(directory + "/")));
        List<String> pids = pids(host, inDirectories);
        if (pids.isEmpty()) {
            return;
        }
        List<String> kill = new ArrayList<>(List.of("kill", "-s", "KILL", "--"));
        kill.addAll(pids);
        // A process that ended meanwhile makes kill fail; the wait that follows tells the outcome.
        host.run(new Command(kill, null, Command.DEFAULT_TIMEOUT));
        long deadline = System.nanoTime() + KILL_WAIT.toNanos();
        Poll poll = new Poll();
        while (anyAlive(host, pids)) {
            if (System.nanoTime() > deadline) {
                throw new ManagerException(ManagerException.Code.COMMAND_FAILED, label + ": processes "
                        + String.join(", ", pids(host, inDirectories)) + " in its directories did not stop after SIGKILL");
            }
            poll.pause();
        }
    }

    /** Process ids of the processes on the host whose words ({@code pid program args...}) match. */
    private static List<String> pids(HostAccess host, Predicate<List<String>> matches) {
        return ProcessTable.of(host).pids(matches);
    }

    public boolean isRunning() {
        return !pids().isEmpty();
    }

    /** Whether this instance's server is among the processes, listed a moment ago on its machine. */
    public boolean isRunningIn(ProcessTable processes) {
        return !processes.pids(this::isThisServer).isEmpty();
    }

    /**
     * Asks the server to shut down, waits up to {@code grace}, then kills it. Answers whether
     * it was running.
     */
    public boolean stop(Duration grace) {
        return stop(grace, stopSignal);
    }

    private boolean stop(Duration grace, String signal) {
        List<String> pids = pids();
        if (pids.isEmpty()) {
            return false;
        }
        signal(signal, pids);
        if (!awaitGone(pids, grace)) {
            signal("KILL", pids());
            if (!awaitGone(pids, KILL_WAIT)) {
                throw failure(programName() + " (pid " + String.join(", ", pids()) + ") did not stop after SIGKILL");
            }
        }
        return true;
    }

    /**
     * Kills the server at once (SIGKILL, which ends a stopped process too) and waits until it is
     * gone. Answers whether it was running.
     */
    public boolean kill() {
        return stop(Duration.ZERO, "KILL");
    }

    /** The last lines of the log, one line each, or a note that there is none. */
    public String logTail() {
        CommandResult tail = host.run(account.command(List.of("tail", "-n", String.valueOf(LOG_TAIL_LINES), "--",
                logFile)));
        if (!tail.succeeded()) {
            return "(no log at " + logFile + ")";
        }
        List<String> lines = tail.stdout().lines().map(String::strip).filter(line -> !line.isEmpty()).toList();
        return lines.isEmpty() ? "(empty log " + logFile + ")" : String.join("\n", lines);
    }

    ManagerException failure(String what) {
        return new ManagerException(ManagerException.Code.COMMAND_FAILED, label + ": " + what);
    }

    private void signal(String signal, List<String> pids) {
        if (pids.isEmpty()) {
            return;
        }
        List<String> kill = new ArrayList<>(List.of("kill", "-s", signal, "--"));
        kill.addAll(pids);
        // A process that ended meanwhile makes kill fail; the wait that follows tells the outcome.
        host.run(new Command(kill, null, Command.DEFAULT_TIMEOUT));
    }

    /** Waits until none of the processes is alive, {@code limit} at most; answers whether none is. */
    private boolean awaitGone(List<String> pids, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        Poll poll = new Poll();
        while (true) {
            if (!anyAlive(host, pids)) {
                return true;
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            poll.pause();
        }
    }

    /**
     * Whether any of the processes is alive and not a zombie (an exited server may stay one when
     * nobody reaps it), from their {@code /proc/<pid>/stat}: one {@code cat}, which costs a third
     * of a {@code ps} and does not grow with the machine's process count. A process id that ended
     * and was given to another process meanwhile reads as alive, and only makes a wait go on to
     * its bound.
     */
    static boolean anyAlive(HostAccess host, List<String> pids) {
        List<String> argv = new ArrayList<>(List.of("cat", "--"));
        for (String pid : pids) {
            if (!pid.matches("[0-9]{1,10}")) {
                throw new IllegalArgumentException("not a process id: " + pid);
            }
            argv.add("/proc/" + pid + "/stat");
        }
        // A process that is gone makes cat fail on its file; the others are printed all the same.
        return host.run(new Command(argv, null, Command.DEFAULT_TIMEOUT)).stdout().lines()
                .anyMatch(stat -> {
                    int command = stat.lastIndexOf(')');
                    return command > 0 && stat.length() > command + 2 && stat.charAt(command + 2) != 'Z';
                });
    }
}
