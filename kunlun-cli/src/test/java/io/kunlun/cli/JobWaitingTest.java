package io.kunlun.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.kunlun.model.job.WireFormat;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static io.kunlun.cli.ScriptedManager.status;
import static org.assertj.core.api.Assertions.assertThat;

/** What kunlunctl shows and answers while a job runs, against a manager that runs it at a watchable pace. */
class JobWaitingTest {
    private static final String BIND = "127.0.0.60";
    private static final List<String> CREATE_MACHINE = List.of("machine", "create", "--job-id", "j1",
            "--hostaddr", "127.0.0.61", "--rack-id", "r2", "--datadir", "/d1;/d2", "--logdir", "/l",
            "--wal-log-dir", "/w", "--comp-datadir", "/c", "--total-mem", "4096", "--total-cpu-cores", "8");

    private static final List<String> A_JOB_THAT_ENDS = List.of(
            status("accept", null, "queued"),
            status("ongoing", "0/2", "checking paths on 127.0.0.61"),
            status("ongoing", "0/2", "checking paths on 127.0.0.61"),
            status("ongoing", "1/2", "registering 127.0.0.61"),
            status("done", "2/2", "create machine succeed"));

    private static CliRun run(ScriptedManager manager, boolean interactive, List<String> args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine line = Kunlunctl.commandLine(new CliEnvironment(Map.of("USER", "tester"), interactive));
        line.setOut(new PrintWriter(out, true));
        line.setErr(new PrintWriter(err, true));
        String[] withServer = Stream.concat(args.stream(), Stream.of("--server", manager.url())).toArray(String[]::new);
        return new CliRun(line.execute(withServer), out.toString(), err.toString());
    }

    @Test
    void aSubmissionSendsTheApiFieldsAndWaitsWithAProgressLinePerChange() throws Exception {
        try (ScriptedManager manager = new ScriptedManager(BIND, A_JOB_THAT_ENDS)) {
            CliRun run = run(manager, false, CREATE_MACHINE);

            assertThat(run.exitCode()).isZero();
            assertThat(run.err()).isEqualTo("""
                    [accept] queued
                    [ongoing 0/2] checking paths on 127.0.0.61
                    [ongoing 1/2] registering 127.0.0.61
                    """);
            assertThat(run.out()).startsWith("result    done\ninfo      create machine succeed\n");
            assertThat(manager.requests().get(0)).isEqualTo(WireFormat.json().readTree("""
                    {"job_type":"create_machine","hostaddr":"127.0.0.61","rack_id":"r2","datadir":"/d1;/d2",
                     "logdir":"/l","wal_log_dir":"/w","comp_datadir":"/c","total_mem":4096,"total_cpu_cores":8,
                     "job_id":"j1","user_name":"tester"}"""));
            assertThat(manager.requests().subList(1, manager.requests().size()))
                    .extracting(JsonNode::toString)
                    .containsOnly("{\"job_type\":\"get_status\",\"job_id\":\"j1\"}");
        }
    }

    @Test
    void onATerminalTheProgressLineIsRewrittenInPlace() throws Exception {
        try (ScriptedManager manager = new ScriptedManager(BIND, A_JOB_THAT_ENDS)) {
            CliRun run = run(manager, true, CREATE_MACHINE);

            assertThat(run.exitCode()).isZero();
            assertThat(run.err()).isEqualTo("\r[accept] queued"
                    + "\r[ongoing 0/2] checking paths on 127.0.0.61"
                    + "\r[ongoing 1/2] registering 127.0.0.61      "
                    + "\r" + " ".repeat("[ongoing 1/2] registering 127.0.0.61".length()) + "\r");
        }
    }

    @Test
    void waitGivesUpAfterTheTimeoutWithExitStatus1() throws Exception {
        try (ScriptedManager manager = new ScriptedManager(BIND,
                List.of(status("ongoing", "0/2", "checking paths on 127.0.0.61")))) {
            CliRun run = run(manager, false, List.of("job", "wait", "j1", "--timeout", "300ms"));

            assertThat(run.exitCode()).isEqualTo(1);
            assertThat(run.err()).isEqualTo("[ongoing 0/2] checking paths on 127.0.0.61\n"
                    + "kunlunctl: gave up waiting after 300ms: job j1 is still ongoing (checking paths on 127.0.0.61)\n");
            assertThat(run.out()).isEmpty();
        }
    }

    @Test
    void aJobThatFailsWhileWaitedForExits1WithItsReason() throws Exception {
        try (ScriptedManager manager = new ScriptedManager(BIND, List.of(
                status("ongoing", "0/2", "checking paths on 127.0.0.61"),
                status("failed", "0/2", "127.0.0.61: path /d2 is not a writable directory")))) {
            CliRun run = run(manager, false, CREATE_MACHINE);

            assertThat(run.exitCode()).isEqualTo(1);
            assertThat(run.err()).isEqualTo("[ongoing 0/2] checking paths on 127.0.0.61\n"
                    + "kunlunctl: job j1 (create_machine) failed: 127.0.0.61: path /d2 is not a writable directory\n");
        }
    }
}
