package io.kunlun.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kunlun.model.job.JobRequest;
import io.kunlun.model.job.JobType;
import io.kunlun.model.job.WireFormat;
import org.junit.jupiter.api.Test;

import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import static io.kunlun.cli.ScriptedManager.status;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * kunlunctl backup, restore, events, job list and machine list send the API's requests, which the
 * manager accepts.
 */
class BackupCommandsTest {
    private static final String BIND = "127.0.0.109";
    private static final LocalDateTime NOON = LocalDateTime.of(2026, 12, 2, 12, 0, 0);

    @Test
    void backupCreateSendsBackupCluster() throws Exception {
        CliRun run = runAgainst(status("done", null, "2026-12-02 11:59:58"), "backup", "create", "--cluster", "c1");

        assertThat(run.out()).startsWith("result    done\ninfo      2026-12-02 11:59:58\n");
        assertThat(lastRequest).isEqualTo(new JobRequest.BackupCluster("c1"));
    }

    @Test
    void backupListSendsListBackupsForOneClusterOrAll() throws Exception {
        runAgainst(backups(), "backup", "list", "--cluster", "c1");
        assertThat(lastRequest).isEqualTo(new JobRequest.ListBackups(Optional.of("c1")));

        runAgainst(backups(), "backup", "list");
        assertThat(lastRequest).isEqualTo(new JobRequest.ListBackups(Optional.empty()));
    }

    @Test
    void backupListPrintsOneRowPerBackup() throws Exception {
        CliRun run = runAgainst(backups(), "backup", "list");

        assertThat(run.out()).isEqualTo("""
                CLUSTER  BACKUP_ID         TIME                 BYTES  SHARDS
                c1       20261202T115958Z  2026-12-02 11:59:58  4096   shard1, shard2
                """);
    }

    @Test
    void backupDeleteSendsDeleteBackupNamingTheClusterAndTheBackup() throws Exception {
        runAgainst(status("done", null, "20261202T115958Z"), "backup", "delete", "--cluster", "c1",
                "--backup-id", "20261202T115958Z");

        assertThat(lastRequest).isEqualTo(new JobRequest.DeleteBackup("c1", "20261202T115958Z"));
    }

    @Test
    void eventsSendsListEventsWithItsFilters() throws Exception {
        runAgainst("{\"events\":[]}", "events", "--cluster", "c1", "--limit", "5");

        assertThat(lastRequest).isEqualTo(new JobRequest.ListEvents(Optional.of("c1"), 5));
    }

    @Test
    void jobListSendsListJobsWithItsTypeAndAutomaticFilters() throws Exception {
        runAgainst("{\"jobs\":[]}", "job", "list", "--type", "auto_failover", "--automatic", "--limit", "5");

        assertThat(lastRequest).isEqualTo(new JobRequest.ListJobs(5, Optional.of(JobType.AUTO_FAILOVER), true, Optional.empty()));
    }

    @Test
    void jobListSendsThePageToStartAfter() throws Exception {
        runAgainst("{\"jobs\":[]}", "job", "list", "--before", "c-41d2");

        assertThat(lastRequest).isEqualTo(new JobRequest.ListJobs(20, Optional.empty(), false, Optional.of("c-41d2")));
    }

    @Test
    void machineListSendsItsPageSizeAndThePageToStartAfter() throws Exception {
        runAgainst("{}", "machine", "list", "--limit", "2", "--after", "127.0.0.8");

        assertThat(lastRequest).isEqualTo(new JobRequest.ListMachines(2, Optional.of("127.0.0.8")));
    }

    @Test
    void machineListPrintsTheNextPagesStartUnderItsTable() throws Exception {
        CliRun run = runAgainst("{\"machine0\":{\"hostaddr\":\"127.0.0.8\",\"total_mem\":\"4096\"},"
                + "\"next_after\":\"127.0.0.8\"}", "machine", "list", "--limit", "1");

        assertThat(run.out()).isEqualTo("""
                HOSTADDR   TOTAL_MEM
                127.0.0.8  4096
                next_after  127.0.0.8
                """);
    }

    @Test
    void restoreNewSendsRestoreNewClusterWithTheMachines() throws Exception {
        CliRun run = runAgainst(status("done", null, "cluster_1764676800_000001"), "restore", "new",
                "--from", "c1", "--time", "2026-12-02 12:00:00", "--machine", "127.0.0.8", "--machine", "127.0.0.9");

        assertThat(run.out()).startsWith("result    done\ninfo      cluster_1764676800_000001\n");
        assertThat(lastRequest).isEqualTo(new JobRequest.RestoreNewCluster(NOON, "c1",
                Optional.of(List.of("127.0.0.8", "127.0.0.9"))));
    }

    @Test
    void restoreInPlaceSendsRestoreClusterNamingBothClusters() throws Exception {
        runAgainst(status("done", null, "c2"), "restore", "in-place", "--from", "c1", "--into", "c2",
                "--time", "2026-12-02 12:00:00");

        assertThat(lastRequest).isEqualTo(new JobRequest.RestoreCluster(NOON, "c1", "c2"));
    }

    @Test
    void restoreWithoutATimeIsAUsageError() {
        CliRun run = CliRun.of("restore", "new", "--from", "c1", "--server", "http://" + BIND + ":1");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).startsWith("Missing required option: '--time='YYYY-MM-DD HH:MM:SS''");
    }

    private JobRequest lastRequest;

    private static String backups() {
        return """
                {"backups":[{"cluster":"c1","backup_id":"20261202T115958Z","time":"2026-12-02 11:59:58",
                             "bytes":"4096","shards":["shard1","shard2"]}]}""";
    }

    /** Runs kunlunctl against a peer answering {@code reply} to a query, or to get_status after accepting a job. */
    private CliRun runAgainst(String reply, String... args) throws Exception {
        boolean query = args[0].equals("events") || args[1].equals("list");
        try (ScriptedManager manager = query ? ScriptedManager.answering(BIND, reply)
                : new ScriptedManager(BIND, List.of(reply))) {
            CliRun run = CliRun.withEnvironment(Map.of("USER", "tester"),
                    Stream.concat(Stream.of(args), Stream.of("--server", manager.url())).toArray(String[]::new));
            assertThat(run.exitCode()).as(run.err()).isZero();
            lastRequest = WireFormat.parse((ObjectNode) manager.requests().get(0)).request();
            return run;
        }
    }
}
