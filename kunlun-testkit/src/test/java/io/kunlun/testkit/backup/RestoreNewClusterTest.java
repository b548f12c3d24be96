package io.kunlun.testkit.backup;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kunlun.testkit.LoopbackMachine;
import io.kunlun.testkit.LoopbackMachines;
import io.kunlun.testkit.ManagerKilledMidJob;
import io.kunlun.testkit.Reply;
import io.kunlun.testkit.TestManager;
import io.kunlun.testkit.cluster.ClusterFixture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

import static io.kunlun.testkit.backup.BackupRequests.backup;
import static io.kunlun.testkit.backup.BackupRequests.deleteBackup;
import static io.kunlun.testkit.backup.BackupRequests.restoreNew;
import static io.kunlun.testkit.backup.RestoreFixture.SECOND;
import static io.kunlun.testkit.backup.RestoreFixture.SHARD2_FIRST_ID;
import static io.kunlun.testkit.backup.RestoreFixture.awaitArchivedPast;
import static io.kunlun.testkit.backup.RestoreFixture.awaitSecondAfter;
import static io.kunlun.testkit.backup.RestoreFixture.insertRows;
import static io.kunlun.testkit.backup.RestoreFixture.serverOptions;
import static io.kunlun.testkit.backup.RestoreFixture.spreadTable;
import static io.kunlun.testkit.backup.RestoreFixture.value;
import static io.kunlun.testkit.cluster.ClusterFixture.comps;
import static io.kunlun.testkit.cluster.ClusterFixture.primary;
import static io.kunlun.testkit.cluster.ClusterFixture.readEventually;
import static io.kunlun.testkit.cluster.ClusterFixture.readOn;
import static io.kunlun.testkit.cluster.ClusterFixture.run;
import static io.kunlun.testkit.cluster.ClusterFixture.shardNodes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * restore_new_cluster through HTTP: an rbr cluster of 2 shards of 2 nodes and a comp, with rows on
 * both shards and a table spread over them through the comp, is backed up, written to in a later
 * second T, written to again after T, and deleted; a new cluster restored at T from the store
 * alone (the backup, then the archived binlogs up to T) holds exactly the rows committed up to T
 * on every node, answers the spread table through its comp, and has accounts of its own; a
 * delete_backup of the backup while the restore streams it is refused. Refusals change nothing.
 */
class RestoreNewClusterTest {
    private static final int ROWS_PER_SHARD = 100;
    /** Rows per shard written after the backup, in seconds up to the point in time. */
    private static final int ROWS_UP_TO_T = 10;
    private static final int LARGE_ROW_BYTES = 17 << 20;

    @RegisterExtension
    static TestManager manager = TestManager.builder()
            .configure(config -> config.withExposeCredentials(true).withHealthIntervalSeconds(3600)).build();
    @RegisterExtension
    static LoopbackMachines loopback = LoopbackMachines.range("127.0.0.230", "127.0.0.233");
    static List<LoopbackMachine> sourceMachines;
    static List<LoopbackMachine> targetMachines;
    static String source;
    static String backupTime;
    static String pointInTime;
    static JsonNode sourceAdmin;
    static Reply restore;
    static String restoreJob;
    static String backupId;
    /** A delete_backup of the backup restored, submitted while the restore streamed it from the store. */
    static Reply deleteWhileRestoring;
    static String restored;

    @BeforeAll
    static void backUpDeleteAndRestore() throws Exception {
        sourceMachines = List.of(loopback.take(), loopback.take());
        targetMachines = List.of(loopback.take(), loopback.take());
        List<LoopbackMachine> all = new ArrayList<>(sourceMachines);
        all.addAll(targetMachines);
        ClusterFixture.register(manager, all);
        source = ClusterFixture.createdCluster(manager.client(), "rbr", 2, 2, 1, sourceMachines);
        insertRows(manager.client(), source, "shard1", 1, ROWS_PER_SHARD);
        insertRows(manager.client(), source, "shard2", SHARD2_FIRST_ID + 1, ROWS_PER_SHARD);
        assertThat(spreadTable(comps(manager.client(), source).get(0))).isEqualTo(String.valueOf(2 * ROWS_PER_SHARD));
        sourceAdmin = primary(manager.client(), source, "shard1");

        Reply backup = run(manager, backup(source));
        assertThat(backup.result()).as(backup.toString()).isEqualTo("done");
        backupTime = backup.info();
        awaitSecondAfter(backupTime);
        insertRows(manager.client(), source, "shard1", ROWS_PER_SHARD + 1, ROWS_UP_TO_T);
        insertRows(manager.client(), source, "shard2", SHARD2_FIRST_ID + ROWS_PER_SHARD + 1, ROWS_UP_TO_T);
        insertLargeRow("shard1");
        pointInTime = LocalDateTime.now().format(SECOND);
        awaitSecondAfter(pointInTime);
        insertRows(manager.client(), source, "shard1", ROWS_PER_SHARD + ROWS_UP_TO_T + 1, 10);
        insertRows(manager.client(), source, "shard2", SHARD2_FIRST_ID + ROWS_PER_SHARD + ROWS_UP_TO_T + 1, 10);
        awaitArchivedPast(manager.client(), source, pointInTime);
        assertThat(ClusterFixture.deleteCluster(manager, source).result()).isEqualTo("done");

        backupId = ClusterFixture.query(manager.client(), "list_backups", source).get("backups").get(0)
                .get("backup_id").asText();
        ObjectNode restoring = restoreNew(pointInTime, source, targetMachines);
        restoreJob = restoring.get("job_id").asText();
        manager.client().post(restoring.toString());
        ManagerKilledMidJob.awaitStep(manager.client(), restoreJob, "restoring shard");
        deleteWhileRestoring = run(manager, deleteBackup(source, backupId));
        restore = manager.client().awaitJob(restoreJob, ClusterFixture.CLUSTER_JOB_TIMEOUT);
        restored = restore.info();
    }

    /**
     * One transaction larger than a server's default max_allowed_packet (16 MiB): replayed, it
     * arrives as one statement of its size.
     */
    private static void insertLargeRow(String shard) throws SQLException {
        try (Connection sql = ClusterFixture.mariadb(primary(manager.client(), source, shard));
             Statement statement = sql.createStatement()) {
            statement.execute("CREATE TABLE app.large (id INT PRIMARY KEY, b LONGBLOB)");
            statement.execute("INSERT INTO app.large VALUES (1, REPEAT('z', " + LARGE_ROW_BYTES + "))");
        }
    }

    @Test
    void theRestoreEndsDoneNamingTheNewClusterPlacedOnTheMachineList() {
        assertThat(restore.result()).as(restore.toString()).isEqualTo("done");
        assertThat(restored).startsWith("cluster_").isNotEqualTo(source);
        assertThat(ClusterFixture.shardCount(manager.client(), restored)).isEqualTo("2");
        List<JsonNode> instances = new ArrayList<>(ClusterFixture.storageNodes(manager.client(), restored));
        instances.addAll(comps(manager.client(), restored));
        assertThat(instances).hasSize(5).allSatisfy(instance -> assertThat(instance.get("ip").asText())
                .isIn(ClusterFixture.hostaddrs(targetMachines)));
    }

    @Test
    void aDeleteBackupWhileTheRestoreReadsTheBackupIsRefusedNamingTheRestoreAndTheBackupStays() {
        assertThat(deleteWhileRestoring.result()).as(deleteWhileRestoring.toString()).isEqualTo("failed");
        assertThat(deleteWhileRestoring.info()).isEqualTo("backup " + backupId + " of cluster " + source
                + " is being read by restore job " + restoreJob + "; delete it once that job ended");
        assertThat(ClusterFixture.query(manager.client(), "list_backups", source).get("backups"))
                .extracting(backup -> backup.get("backup_id").asText()).containsExactly(backupId);
    }

    @Test
    void everyNodeOfEveryShardHoldsExactlyTheRowsCommittedUpToThePointInTime() throws Exception {
        int rows = ROWS_PER_SHARD + ROWS_UP_TO_T;
        for (String shard : List.of("shard1", "shard2")) {
            int first = shard.equals("shard1") ? 1 : SHARD2_FIRST_ID + 1;
            List<JsonNode> nodes = shardNodes(manager.client(), restored, shard);
            assertThat(nodes).hasSize(2);
            for (JsonNode node : nodes) {
                assertThat(readEventually(node, "SELECT COUNT(*) = " + rows + " FROM app.t"))
                        .as(shard + " " + ClusterFixture.address(node)).isEqualTo("1");
                assertThat(readOn(node, "SELECT CONCAT(MIN(id), '..', MAX(id)) FROM app.t"))
                        .as("the backup's rows and those up to T, none after T").isEqualTo(first + ".."
                                + (first + rows - 1));
            }
        }
    }

    @Test
    void aTransactionLargerThanTheDefaultPacketLimitIsReplayed() throws Exception {
        for (JsonNode node : shardNodes(manager.client(), restored, "shard1")) {
            assertThat(readEventually(node, "SELECT LENGTH(b) FROM app.large WHERE id = 1"))
                    .as(ClusterFixture.address(node)).isEqualTo(String.valueOf(LARGE_ROW_BYTES));
        }
    }

    @Test
    void theReplicasReplicateFromTheRestoredPrimary() throws Exception {
        JsonNode primary = primary(manager.client(), restored, "shard2");
        JsonNode replica = shardNodes(manager.client(), restored, "shard2").stream()
                .filter(node -> node.get("role").asText().equals("replica")).findFirst().orElseThrow();
        try (Connection sql = ClusterFixture.mariadb(primary); Statement statement = sql.createStatement()) {
            statement.execute("INSERT INTO app.t VALUES (" + (2 * SHARD2_FIRST_ID) + ", 'after the restore')");
        }

        assertThat(readEventually(replica, "SELECT v FROM app.t WHERE id = " + (2 * SHARD2_FIRST_ID)))
                .isEqualTo("after the restore");
    }

    @Test
    void theTableSpreadOverTheShardsAnswersThroughTheNewCompFromTheNewPrimaries() throws Exception {
        JsonNode comp = comps(manager.client(), restored).get(0);
        try (Connection sql = ClusterFixture.postgres(comp); Statement statement = sql.createStatement()) {
            assertThat(value(statement, "SELECT count(*) FROM spread"))
                    .isEqualTo(String.valueOf(2 * (ROWS_PER_SHARD + ROWS_UP_TO_T)));
            assertThat(value(statement, "SELECT string_agg(srvname || '=' || array_to_string(srvoptions, ','), ' '"
                    + " ORDER BY srvname) FROM pg_foreign_server"))
                    .isEqualTo("shard1=" + serverOptions(primary(manager.client(), restored, "shard1"))
                            + " shard2=" + serverOptions(primary(manager.client(), restored, "shard2")));
        }
    }

    @Test
    void theNewClusterHasItsOwnAdminPasswordAndTheSourcesNoLongerLogsIn() {
        JsonNode primary = primary(manager.client(), restored, "shard1");
        assertThat(primary.get("user").asText()).isEqualTo(sourceAdmin.get("user").asText());
        assertThat(primary.get("pwd").asText()).isNotEqualTo(sourceAdmin.get("pwd").asText());

        assertThatThrownBy(() -> DriverManager.getConnection("jdbc:mariadb://" + ClusterFixture.address(primary) + "/",
                sourceAdmin.get("user").asText(), sourceAdmin.get("pwd").asText()).close())
                .isInstanceOf(SQLException.class).hasMessageContaining("Access denied");
    }

    @Test
    void aMalformedTimestampIsRefusedAtOnce() {
        Reply refused = manager.post(restoreNew("2026-13-01 00:00:00", source, targetMachines).toString());

        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.result()).isEqualTo("failed");
        assertThat(refused.info()).isEqualTo("timestamp must be a time written YYYY-MM-DD HH:MM:SS, got "
                + "\"2026-13-01 00:00:00\"");
    }

    @Test
    void aClusterWithoutBackupsIsRefusedAndNothingIsCreated() {
        assertRefused(restoreNew(backupTime, "cluster_without_backups", targetMachines),
                "backup store 127.0.0.1:" + manager.home().toAbsolutePath().normalize().resolve("backups")
                        + " holds no backup of cluster cluster_without_backups");
    }

    @Test
    void aTimestampInTheFutureIsRefusedAndNothingIsCreated() {
        String future = LocalDateTime.now().plusDays(1).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss"));

        Reply refused = assertRefused(restoreNew(future, source, targetMachines), null);
        assertThat(refused.info()).startsWith("timestamp " + future + " is in the future: the manager's time is ");
    }

    @Test
    void aTimestampBeforeTheFirstBackupIsRefusedAndNothingIsCreated() {
        assertRefused(restoreNew("2001-01-01 00:00:00", source, targetMachines), "timestamp 2001-01-01 00:00:00 is"
                + " before the first backup of cluster " + source + ", taken at " + backupTime);
    }

    @Test
    void aTimestampPastTheEndOfTheArchiveIsRefusedAndNothingIsCreated() {
        String now = LocalDateTime.now().format(SECOND);

        Reply refused = assertRefused(restoreNew(now, source, targetMachines), null);
        assertThat(refused.info()).startsWith("no binlog archive covers ").endsWith(" to " + now + " for cluster "
                + source + " shard shard1");
    }

    @Test
    void aBackupWhoseStoredFileChangedIsRefusedNamingTheFileAndNothingIsCreated() throws Exception {
        Path backups = manager.home().toAbsolutePath().normalize().resolve("backups").resolve(source);
        Path directory = RestoreFixture.oldestBackup(backups);
        Path stream = directory.resolve("shard2/backup.xbstream.zst");
        long bytes = Files.size(stream);
        Files.write(stream, new byte[] {0}, StandardOpenOption.APPEND);
        try {
            Reply refused = assertRefused(restoreNew(backupTime, source, targetMachines), null);

            assertThat(refused.info()).startsWith("backup " + directory.getFileName() + " of cluster " + source
                    + " is damaged: shard2/backup.xbstream.zst holds " + (bytes + 1) + " bytes with sha256 ")
                    .contains(", the manifest says " + bytes + " bytes with sha256 ");
        } finally {
            try (FileChannel file = FileChannel.open(stream, StandardOpenOption.WRITE)) {
                file.truncate(bytes);
            }
        }
    }

    /** The restore fails with the info (unless null), and leaves the clusters as they were. */
    private static Reply assertRefused(ObjectNode request, String info) {
        List<JsonNode> clustersBefore = ClusterFixture.entries(ClusterFixture.query(manager, "get_cluster", null));

        Reply refused = run(manager, request);

        assertThat(refused.result()).isEqualTo("failed");
        if (info != null) {
            assertThat(refused.info()).isEqualTo(info);
        }
        assertThat(ClusterFixture.entries(ClusterFixture.query(manager, "get_cluster", null)))
                .isEqualTo(clustersBefore);
        return refused;
    }
}
