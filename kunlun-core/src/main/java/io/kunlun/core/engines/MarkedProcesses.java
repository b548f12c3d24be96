package io.kunlun.core.engines;

import io.kunlun.core.ManagerException;
import io.kunlun.core.hosts.Command;
import io.kunlun.core.hosts.CommandResult;
import io.kunlun.core.hosts.HostAccess;

import java.util.ArrayList;
import java.util.List;

/**
 * Commands a job starts on a machine that must not outlive it when the manager dies: a backup's
 * sending end (mariadb-backup, zstd and socat in one pipeline) runs on the source's machine and,
 * once the manager that waited for it is gone, would go on copying the instance for nobody. Such
 * a command runs as {@code setsid -w bash -c <script> <marker> …}: its bash leads a process group
 * of its own, holding every process of the pipeline, and carries the marker, which names the job,
 * as an argument of its own. {@link #stop} ends exactly the groups whose leader carries that
 * marker: never a process found by a pattern, never another job's.
 */
public final class MarkedProcesses {
    /** How long the group has to end after SIGTERM before it gets SIGKILL. */
    private static final int TERM_WAIT_TENTHS = 100;
    /**
     * For every process outside this shell's own group (the shell has the marker among its own
     * arguments, and so has coreutils' timeout, which runs a command over SSH as the leader of a
     * group of its own) that leads its own group and has the marker ($1) as one of its arguments,
     * exactly: SIGTERM to the group, then SIGKILL to what is left after a bounded wait. Prints the
     * leaders it stopped.
     */
    private static final String STOP = "own=$(ps -o pgid= -p $$ | tr -d ' ');"
            + " for d in /proc/[0-9]*; do pid=${d#/proc/}; [ \"$pid\" = $$ ] && continue;"
            + " [ \"$pid\" = \"$own\" ] && continue;"
            + " tr '\\0' '\\n' < \"$d/cmdline\" 2>/dev/null | grep -qxF -- \"$1\" || continue;"
            + " [ \"$(ps -o pgid= -p \"$pid\" | tr -d ' ')\" = \"$pid\" ] || continue;"
            + " kill -TERM \"-$pid\" 2>/dev/null; i=0;"
            + " while kill -0 \"-$pid\" 2>/dev/null && [ $i -lt " + TERM_WAIT_TENTHS + " ]; do"
            + "  sleep 0.1; i=$((i+1)); done;"
            + " kill -KILL \"-$pid\" 2>/dev/null; echo \"$pid\"; done";

    private MarkedProcesses() {
    }

    /** The marker of the commands a job starts that {@link #stop} ends. */
    public static String marker(String what, String jobId) {
        return "kunlun-" + what + "-" + jobId;
    }

    /** {@code bash -c script} in a process group of its own carrying the marker, then the script's arguments. */
    static List<String> script(String marker, String script, List<String> arguments) {
        List<String> argv = new ArrayList<>(List.of("setsid", "-w", "bash", "-c", script, marker));
        argv.addAll(arguments);
        return argv;
    }

    /** Ends the process groups on the machine that carry the marker; none left is no error. */
    public static void stop(HostAccess host, String marker) {
        CommandResult stopped = host.run(Command.of("sh", "-c", STOP, "sh", marker)
                .withTimeout(Command.DEFAULT_TIMEOUT));
        if (!stopped.succeeded()) {
            throw new ManagerException(ManagerException.Code.COMMAND_FAILED, host.address()
                    + ": cannot stop the processes of " + marker + ": " + stopped.stderr().strip());
        }
    }
}
