package io.kunlun.cli;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** --dry-run on a job command: the request says so, nothing is waited for, and the plan prints as tables. */
class DryRunCommandTest {
    private static final String BIND = "127.0.0.109";
    private static final String PLAN = """
            {"result":"done","info":"dry run: add_comps passed its check; nothing was changed and no job was accepted",
             "job_type":"add_comps","dry_run":"1","cluster_name":"c1",
             "new_instances":[{"kind":"comp","comp":"comp2","ip":"127.0.0.8","port":"57031","ports":"57031",
                               "directories":["/data/instance_data/comp_datadir/57031"]}]}""";

    @Test
    void theRequestAsksForADryRunAndThePlanPrintsAsATable() throws Exception {
        try (ScriptedManager manager = ScriptedManager.answering(BIND, PLAN)) {
            CliRun run = CliRun.withEnvironment(Map.of("USER", "tester"), "comp", "add", "--cluster", "c1",
                    "--comps", "1", "--dry-run", "--job-id", "j1", "--server", manager.url());

            assertThat(run.exitCode()).as(run.err()).isZero();
            assertThat(manager.requests()).hasSize(1);
            assertThat(manager.requests().get(0).get("dry_run").asText()).isEqualTo("1");
            assertThat(run.out()).isEqualTo("""
                    result        done
                    info          dry run: add_comps passed its check; nothing was changed and no job was accepted
                    job_type      add_comps
                    dry_run       1
                    cluster_name  c1

                    new_instances:
                    KIND  COMP   IP         PORT   PORTS  DIRECTORIES
                    comp  comp2  127.0.0.8  57031  57031  /data/instance_data/comp_datadir/57031
                    """);
        }
    }

    @Test
    void aRefusedDryRunExits1WithTheReason() throws Exception {
        try (ScriptedManager manager = ScriptedManager.answering(BIND,
                "{\"result\":\"failed\",\"info\":\"no cluster named c9\"}")) {
            CliRun run = CliRun.withEnvironment(Map.of("USER", "tester"), "cluster", "delete", "c9", "--dry-run",
                    "--server", manager.url());

            assertThat(run.exitCode()).isEqualTo(1);
            assertThat(run.err()).isEqualTo("kunlunctl: no cluster named c9\n");
            assertThat(List.copyOf(manager.requests())).hasSize(1);
        }
    }
}
