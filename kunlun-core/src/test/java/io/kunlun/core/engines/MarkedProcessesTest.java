package io.kunlun.core.engines;

import io.kunlun.core.hosts.Command;
import io.kunlun.core.hosts.CommandResult;
import io.kunlun.core.hosts.HostAccess;
import io.kunlun.core.hosts.LocalHost;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Stopping a job's marked commands on a machine (this one): every process of the group whose
 * leader carries the marker ends; a group carrying another job's marker, or a marker that merely
 * begins with this one, runs on.
 */
class MarkedProcessesTest {
    private static final Duration EXIT_WAIT = Duration.ofSeconds(20);
    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void killWhatIsLeft() {
        for (Process process : started) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
    }

    /** A pipeline as a backup's sending end runs: the marked bash and the processes it forks. */
    private Process pipeline(String marker) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(MarkedProcesses.script(marker, "sleep 300 | cat", List.of()))
                .redirectErrorStream(true).start();
        started.add(process);
        long deadline = System.nanoTime() + EXIT_WAIT.toNanos();
        while (process.descendants().count() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(process.descendants().count()).as("the pipeline's processes").isGreaterThanOrEqualTo(2);
        return process;
    }

    private static boolean ended(ProcessHandle process) throws InterruptedException {
        long deadline = System.nanoTime() + EXIT_WAIT.toNanos();
        while (process.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        return !process.isAlive();
    }

    @Test
    void theGroupCarryingTheMarkerEndsWithEveryProcessOfItsPipeline() throws Exception {
        Process job = pipeline(MarkedProcesses.marker("backup", "job-1"));
        List<ProcessHandle> pipeline = job.descendants().toList();

        MarkedProcesses.stop(new LocalHost("127.0.0.1"), MarkedProcesses.marker("backup", "job-1"));

        assertThat(ended(job.toHandle())).isTrue();
        for (ProcessHandle process : pipeline) {
            assertThat(ended(process)).as(process.info().commandLine().orElse("pid " + process.pid())).isTrue();
        }
    }

    @Test
    void underCoreutilsTimeoutAsOverSshTheStopEndsTheGroupAndNotItself() throws Exception {
        Process job = pipeline(MarkedProcesses.marker("backup", "job-3"));
        LocalHost local = new LocalHost("127.0.0.1");
        // SshHost runs every command as `timeout -k … <seconds> <command>`: timeout leads a group
        // of its own and carries the marker among its arguments.
        HostAccess overSsh = new HostAccess() {
            @Override
            public String address() {
                return local.address();
            }

            @Override
            public CommandResult run(Command command) {
                List<String> bounded = new ArrayList<>(List.of("timeout", "-k", "5", "60"));
                bounded.addAll(command.argv());
                return local.run(Command.of(bounded.toArray(String[]::new)).withTimeout(command.timeout()));
            }

            @Override
            public void close() {
                local.close();
            }
        };

        MarkedProcesses.stop(overSsh, MarkedProcesses.marker("backup", "job-3"));

        assertThat(ended(job.toHandle())).isTrue();
    }

    @Test
    void anotherJobsGroupAndAMarkerThatOnlyBeginsLikeItRunOn() throws Exception {
        Process other = pipeline(MarkedProcesses.marker("backup", "job-2"));
        Process longer = pipeline(MarkedProcesses.marker("backup", "job-1x"));

        MarkedProcesses.stop(new LocalHost("127.0.0.1"), MarkedProcesses.marker("backup", "job-1"));

        assertThat(other.isAlive()).isTrue();
        assertThat(longer.isAlive()).isTrue();
        assertThat(other.descendants().allMatch(ProcessHandle::isAlive)).isTrue();
    }
}
