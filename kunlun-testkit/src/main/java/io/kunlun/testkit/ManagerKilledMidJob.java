package io.kunlun.testkit;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A manager in its own JVM killed while a job runs, and started again on its home: the way to
 * test that a job interrupted at a given step is rolled back, or finished, by the restart.
 *
 * <pre>{@code
 * manager.client().post(request.toString());
 * ManagerKilledMidJob.awaitStep(manager, jobId, "installing 2 comps");
 * ManagerKilledMidJob.killAndRestart(manager);
 * }</pre>
 */
public final class ManagerKilledMidJob {
    private static final Duration STEP_TIMEOUT = Duration.ofMinutes(2);
    private static final Duration COMMANDS_EXIT_TIMEOUT = Duration.ofMinutes(1);
    private static final Duration JVM_EXIT_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration STILL_RUNNING_WAIT = Duration.ofSeconds(5);

    private ManagerKilledMidJob() {
    }

    /**
     * Polls the job until its step starts with {@code step}, and answers that step; fails when the
     * job ends first or does not get there within two minutes.
     */
    public static String awaitStep(ManagerProcess manager, String jobId, String step) {
        return awaitStep(manager.client(), jobId, step);
    }

    /** {@link #awaitStep(ManagerProcess, String, String)} through a client of any manager. */
    public static String awaitStep(ApiClient client, String jobId, String step) {
        long deadline = System.nanoTime() + STEP_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            Reply status = client.post("{\"job_type\":\"get_status\",\"job_id\":\"" + jobId + "\"}");
            assertThat(status.result()).as(status.toString()).isIn("accept", "ongoing");
            String current = status.text("step").orElse("");
            if (current.startsWith(step)) {
                return current;
            }
            pause(20);
        }
        throw new AssertionError("job " + jobId + " never reached step " + step);
    }

    /** {@link #killAndRestart(ManagerProcess, Runnable)} with nothing to do while the manager is down. */
    public static void killAndRestart(ManagerProcess manager) {
        killAndRestart(manager, () -> { });
    }

    /**
     * SIGKILLs the manager, runs {@code whileDown} (resuming a paused server, say), waits for the
     * commands the manager was running (an initdb, say; not the instances' servers) to exit, as
     * they would have after it died, and starts the manager again on its home.
     */
    public static void killAndRestart(ManagerProcess manager, Runnable whileDown) {
        List<ProcessHandle> commandsInFlight = ProcessHandle.of(manager.pid()).orElseThrow().descendants()
                .filter(process -> !process.info().command().orElse("").matches(".*/(mariadbd|postgres)"))
                .toList();
        manager.kill();
        whileDown.run();
        long deadline = System.nanoTime() + COMMANDS_EXIT_TIMEOUT.toNanos();
        while (commandsInFlight.stream().anyMatch(ProcessHandle::isAlive) && System.nanoTime() < deadline) {
            pause(50);
        }
        manager.restart();
    }

    /**
     * SIGKILLs the manager's JVM alone, as when it crashes: the commands it was running live on
     * (tracked by {@code reaper}, which kills them when the test ends). Starts the manager again on
     * its home and answers those commands, for the test to see what the restart left of them.
     */
    public static List<ProcessHandle> killTheJvmAloneAndRestart(ManagerProcess manager, ManagedProcesses reaper) {
        ProcessHandle jvm = ProcessHandle.of(manager.pid()).orElseThrow();
        List<ProcessHandle> inFlight = jvm.descendants().toList();
        inFlight.forEach(reaper::track);
        jvm.destroyForcibly();
        long deadline = System.nanoTime() + JVM_EXIT_TIMEOUT.toNanos();
        while (manager.isAlive() && System.nanoTime() < deadline) {
            pause(10);
        }
        manager.restart();
        return inFlight;
    }

    /**
     * Those of the processes that still run (zombies aside) a few seconds on, described: the last
     * of a pipeline may take a moment to see its neighbours gone.
     */
    public static List<String> stillRunning(List<ProcessHandle> commands) {
        long deadline = System.nanoTime() + STILL_RUNNING_WAIT.toNanos();
        while (commands.stream().anyMatch(ManagedProcesses::isRunning) && System.nanoTime() < deadline) {
            pause(50);
        }
        return commands.stream().filter(ManagedProcesses::isRunning).map(InstanceTraces::describe).toList();
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
