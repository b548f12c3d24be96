package io.kunlun.cli;

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

/** kunlunctl shard and comp: each command sends its job's API fields. */
class TopologyCommandsTest {
    private static final String BIND = "127.0.0.94";

    private static CliRun run(ScriptedManager manager, String... args) {
        return runAs("tester", manager, args);
    }

    private static CliRun runAs(String login, ScriptedManager manager, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine line = Kunlunctl.commandLine(new CliEnvironment(Map.of("USER", login), false));
        line.setOut(new PrintWriter(out, true));
        line.setErr(new PrintWriter(err, true));
        String[] withServer = Stream.concat(Stream.of(args), Stream.of("--job-id", "j1", "--server", manager.url()))
                .toArray(String[]::new);
        return new CliRun(line.execute(withServer), out.toString(), err.toString());
    }

    private static void assertSends(String json, String info, String... args) throws Exception {
        try (ScriptedManager manager = new ScriptedManager(BIND, List.of(status("done", null, info)))) {
            CliRun run = run(manager, args);

            assertThat(run.exitCode()).as(run.err()).isZero();
            assertThat(run.out()).startsWith("result    done\ninfo      " + info + "\n");
            assertThat(manager.requests().get(0)).isEqualTo(WireFormat.json().readTree(json));
        }
    }

    @Test
    void shardAddSendsAddShardsWithTheMachineList() throws Exception {
        assertSends("""
                {"job_type":"add_shards","cluster_name":"c1","shards":2,
                 "machinelist":[{"hostaddr":"127.0.0.8"},{"hostaddr":"127.0.0.9"}],
                 "job_id":"j1","user_name":"tester"}""", "shard2;shard3",
                "shard", "add", "--cluster", "c1", "--shards", "2", "--machine", "127.0.0.8", "--machine", "127.0.0.9");
    }

    @Test
    void aLoginNameTheApiDoesNotAcceptAsUserNameIsSentAsKunlunctl() throws Exception {
        try (ScriptedManager manager = new ScriptedManager(BIND, List.of(status("done", null, "shard2")))) {
            CliRun run = runAs("CORP\\me", manager, "shard", "add", "--cluster", "c1", "--shards", "1");

            assertThat(run.exitCode()).as(run.err()).isZero();
            assertThat(manager.requests().get(0).get("user_name").asText()).isEqualTo("kunlunctl");
        }
    }

    @Test
    void shardAddWithoutMachinesLeavesThePlacementToTheManager() throws Exception {
        assertSends("""
                {"job_type":"add_shards","cluster_name":"c1","shards":1,"job_id":"j1","user_name":"tester"}""",
                "shard2", "shard", "add", "--cluster", "c1", "--shards", "1");
    }

    @Test
    void shardDeleteSendsDeleteShard() throws Exception {
        assertSends("""
                {"job_type":"delete_shard","cluster_name":"c1","shard_name":"shard2","job_id":"j1","user_name":"tester"}""",
                "shard2", "shard", "delete", "--cluster", "c1", "--shard", "shard2");
    }

    @Test
    void shardSwitchoverSendsSwitchoverWithTheNewPrimaryWhenNamed() throws Exception {
        assertSends("""
                {"job_type":"switchover","cluster_name":"c1","shard_name":"shard1","ip":"127.0.0.3","port":57334,
                 "job_id":"j1","user_name":"tester"}""", "127.0.0.3:57334 is the primary of shard1",
                "shard", "switchover", "--cluster", "c1", "--shard", "shard1", "--ip", "127.0.0.3", "--port", "57334");
        assertSends("""
                {"job_type":"switchover","cluster_name":"c1","shard_name":"shard1","job_id":"j1","user_name":"tester"}""",
                "127.0.0.3:57334 is the primary of shard1", "shard", "switchover", "--cluster", "c1", "--shard", "shard1");
    }

    @Test
    void shardSwitchoverWithOnlyAnAddressOrOnlyAPortIsAUsageError() throws Exception {
        try (ScriptedManager manager = new ScriptedManager(BIND, List.of(status("done", null, "")))) {
            CliRun run = run(manager, "shard", "switchover", "--cluster", "c1", "--shard", "shard1", "--ip", "127.0.0.3");

            assertThat(run.exitCode()).isEqualTo(2);
            assertThat(run.err()).startsWith("name the new primary with both --ip and --port, or with neither\n");
            assertThat(manager.requests()).isEmpty();
        }
    }

    @Test
    void compAddSendsAddComps() throws Exception {
        assertSends("""
                {"job_type":"add_comps","cluster_name":"c1","comps":2,"machinelist":[{"hostaddr":"127.0.0.8"}],
                 "job_id":"j1","user_name":"tester"}""", "comp2;comp3",
                "comp", "add", "--cluster", "c1", "--comps", "2", "--machine", "127.0.0.8");
    }

    @Test
    void compDeleteSendsDeleteComp() throws Exception {
        assertSends("""
                {"job_type":"delete_comp","cluster_name":"c1","comp_name":"comp2","job_id":"j1","user_name":"tester"}""",
                "comp2", "comp", "delete", "--cluster", "c1", "--comp", "comp2");
    }
}
