package io.kunlun.testkit.backup;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kunlun.core.config.BackupConfig;
import io.kunlun.testkit.LoopbackMachine;
import io.kunlun.testkit.LoopbackMachines;
import io.kunlun.testkit.Reply;
import io.kunlun.testkit.TestManager;
import io.kunlun.testkit.cluster.ClusterFixture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.LocalDateTime;
import java.util.List;
import java.util.stream.Stream;

import static io.kunlun.testkit.backup.BackupRequests.backup;
import static io.kunlun.testkit.backup.BackupRequests.restoreInPlace;
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

/**
 * restore_cluster through HTTP, with {@code backup.allow_restore_in_place} on: an rbr cluster of 2
 * shards of 2 nodes and a comp, with rows on both shards and a table spread over them through the
 * comp, is backed up, written to in a later second T, and written to again after T (rows, and a
 * comp table); restored in place at T (the backup, then the archived binlogs up to T) it holds
 * exactly the rows committed up to T on every node, on the same instances, with its own
 * credentials, its replicas replicating and its comp answering the spread table. The data it
 * replaced is kept aside in the store as a backup of its own, which, moved up beside the backups
 * as docs/backup.md says, restores the replaced rows. Refusals change nothing; with the switch
 * off (the default) every restore_cluster is refused naming the setting.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RestoreClusterTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int ROWS_PER_SHARD = 100;
    /** Rows per shard written after the backup, up to the point in time; as many again after it. */
    private static final int ROWS_UP_TO_T = 10;
    private static final String SWITCHED_OFF = "restore_cluster is switched off: it replaces an existing cluster's"
            + " data, so the manager's configuration must set backup.allow_restore_in_place to true to allow it;"
            + " restore_new_cluster restores into a new cluster without it";

    @RegisterExtension
    static TestManager manager = TestManager.builder().configure(config -> config.withExposeCredentials(true)
            .withHealthIntervalSeconds(3600).withBackup(new BackupConfig(null, null, null, true))).build();
    @RegisterExtension
    static TestManager switchedOff = TestManager.create();
    @RegisterExtension
    static LoopbackMachines loopback = LoopbackMachines.range("127.0.0.218", "127.0.0.219");
    static List<LoopbackMachine> machines;
    static String cluster;
    static String oneShardCluster;
    static String backupId;
    static String backupTime;
    static String pointInTime;
    static JsonNode adminBefore;
    static List<JsonNode> storageBefore;
    static Reply restore;
    static Reply lastRefusal;

    @BeforeAll
    static void writeBackUpWriteAgainAndRestoreInPlace() throws Exception {
        machines = List.of(loopback.take(), loopback.take());
        ClusterFixture.register(manager, machines);
        cluster = ClusterFixture.createdCluster(manager.client(), "rbr", 2, 2, 1, machines);
        oneShardCluster = ClusterFixture.createdCluster(manager.client(), "no_rep", 1, 1, 1, machines);
        insertRows(manager.client(), cluster, "shard1", 1, ROWS_PER_SHARD);
        insertRows(manager.client(), cluster, "shard2", SHARD2_FIRST_ID + 1, ROWS_PER_SHARD);
        JsonNode comp = comps(manager.client(), cluster).get(0);
        assertThat(spreadTable(comp)).isEqualTo(String.valueOf(2 * ROWS_PER_SHARD));
        adminBefore = primary(manager.client(), cluster, "shard1");

        Reply backup = run(manager, backup(cluster));
        assertThat(backup.result()).as(backup.toString()).isEqualTo("done");
        backupTime = backup.info();
        backupId = RestoreFixture.oldestBackup(backups().resolve(cluster)).getFileName().toString();
        awaitSecondAfter(backupTime);
        insertRows(manager.client(), cluster, "shard1", ROWS_PER_SHARD + 1, ROWS_UP_TO_T);
        insertRows(manager.client(), cluster, "shard2", SHARD2_FIRST_ID + ROWS_PER_SHARD + 1, ROWS_UP_TO_T);
        pointInTime = LocalDateTime.now().format(SECOND);
        awaitSecondAfter(pointInTime);
        insertRows(manager.client(), cluster, "shard1", ROWS_PER_SHARD + ROWS_UP_TO_T + 1, ROWS_UP_TO_T);
        insertRows(manager.client(), cluster, "shard2", SHARD2_FIRST_ID + ROWS_PER_SHARD + ROWS_UP_TO_T + 1,
                ROWS_UP_TO_T);
        try (Connection sql = ClusterFixture.postgres(comp); Statement statement = sql.createStatement()) {
            statement.execute("CREATE TABLE made_after_the_backup (id int)");
        }
        awaitArchivedPast(manager.client(), cluster, pointInTime);
        storageBefore = ClusterFixture.storageNodes(manager.client(), cluster);

        restore = run(manager, restoreInPlace(pointInTime, cluster, cluster));
    }

    @Test
    void theRestoreEndsDoneNamingTheClusterWhoseInstancesStayWhereTheyWereAndRunAgain() {
        assertThat(restore.result()).as(restore.toString()).isEqualTo("done");
        assertThat(restore.info()).isEqualTo(cluster);
        List<JsonNode> storage = ClusterFixture.storageNodes(manager.client(), cluster);
        assertThat(storage.stream().map(ClusterFixture::address))
                .containsExactlyElementsOf(storageBefore.stream().map(ClusterFixture::address).toList());
        assertThat(storage).allSatisfy(node -> assertThat(node.get("status").asText()).isEqualTo("active"));
    }

    @Test
    void everyNodeOfEveryShardHoldsExactlyTheRowsCommittedUpToThePointInTime() throws Exception {
        int rows = ROWS_PER_SHARD + ROWS_UP_TO_T;
        for (String shard : List.of("shard1", "shard2")) {
            int first = shard.equals("shard1") ? 1 : SHARD2_FIRST_ID + 1;
            List<JsonNode> nodes = shardNodes(manager.client(), cluster, shard);
            assertThat(nodes).hasSize(2);
            for (JsonNode node : nodes) {
                assertThat(readEventually(node, "SELECT CONCAT(COUNT(*), ' rows ', MIN(id), '..', MAX(id)) FROM app.t"))
                        .as(shard + " " + ClusterFixture.address(node))
                        .isEqualTo(rows + " rows " + first + ".." + (first + rows - 1));
            }
        }
    }

    @Test
    void theReplicasReplicateNewWritesFromTheRestoredPrimaries() throws Exception {
        for (String shard : List.of("shard1", "shard2")) {
            JsonNode replica = shardNodes(manager.client(), cluster, shard).stream()
                    .filter(node -> node.get("role").asText().equals("replica")).findFirst().orElseThrow();
            try (Connection sql = ClusterFixture.mariadb(primary(manager.client(), cluster, shard));
                 Statement statement = sql.createStatement()) {
                statement.execute("CREATE TABLE app.after_restore (v VARCHAR(40))");
                statement.execute("INSERT INTO app.after_restore VALUES ('written on " + shard + "')");
            }

            assertThat(readEventually(replica, "SELECT v FROM app.after_restore")).isEqualTo("written on " + shard);
        }
    }

    @Test
    void theCompHasTheSchemaOfTheBackupAndAnswersTheSpreadTableFromTheRestoredPrimaries() throws Exception {
        JsonNode comp = comps(manager.client(), cluster).get(0);
        try (Connection sql = ClusterFixture.postgres(comp); Statement statement = sql.createStatement()) {
            assertThat(value(statement, "SELECT count(*) FROM spread"))
                    .isEqualTo(String.valueOf(2 * (ROWS_PER_SHARD + ROWS_UP_TO_T)));
            assertThat(value(statement, "SELECT count(*) FROM pg_class WHERE relname = 'made_after_the_backup'"))
                    .as("a table made after the backup").isEqualTo("0");
            assertThat(value(statement, "SELECT string_agg(srvname || '=' || array_to_string(srvoptions, ','), ' '"
                    + " ORDER BY srvname) FROM pg_foreign_server"))
                    .isEqualTo("shard1=" + serverOptions(primary(manager.client(), cluster, "shard1"))
                            + " shard2=" + serverOptions(primary(manager.client(), cluster, "shard2")));
        }
    }

    @Test
    void theClustersOwnCredentialsStayTheValidOnes() throws Exception {
        JsonNode admin = primary(manager.client(), cluster, "shard1");
        assertThat(admin.get("user").asText()).isEqualTo(adminBefore.get("user").asText());
        assertThat(admin.get("pwd").asText()).isEqualTo(adminBefore.get("pwd").asText());

        assertThat(readOn(adminBefore, "SELECT CURRENT_USER()")).startsWith(adminBefore.get("user").asText() + "@");
    }

    @Test
    void theReplacedDataIsKeptAsideInTheStoreAsABackupOfTheCluster() throws Exception {
        Path kept = keptAside();
        JsonNode manifest = JSON.readTree(kept.resolve("manifest.json").toFile());

        assertThat(manifest.get("backup_id").asText()).isEqualTo(kept.getFileName().toString());
        assertThat(manifest.get("cluster").asText()).isEqualTo(cluster);
        assertThat(manifest.get("backup_time").asText()).isGreaterThan(backupTime);
        assertThat(manifest.get("shards")).extracting(shard -> shard.get("name").asText())
                .containsExactly("shard1", "shard2");
        for (JsonNode shard : manifest.get("shards")) {
            assertThat(shard.get("source_role").asText()).isEqualTo("primary");
            assertThat(Files.size(kept.resolve(shard.get("file").get("path").asText())))
                    .isEqualTo(shard.get("file").get("bytes").asLong()).isPositive();
        }
        assertThat(manifest.get("comps")).extracting(comp -> comp.get("name").asText()).containsExactly("comp1");
    }

    @Test
    void theReplacedBinlogArchiveGoesWithTheKeptCopyAndTheRestoredPrimariesAreArchivedAfresh() throws Exception {
        Path kept = keptAside();
        for (String shard : List.of("shard1", "shard2")) {
            JsonNode primary = primary(manager.client(), cluster, shard);
            assertThat(kept.resolve("binlog").resolve(shard)).isDirectory();
            Path archive = backups().resolve(cluster).resolve("binlog").resolve(shard);
            assertThat(archive.resolve(".kunlun-job")).hasContent(restore.json().get("job_id").asText());
            assertThat(archive.resolve(primary.get("ip").asText() + "_" + primary.get("port").asText())
                    .resolve("binlog.000001")).isRegularFile();
        }
    }

    /** The undo docs/backup.md describes: the kept copy moved up beside the backups, restored in place. */
    @Test
    @Order(Integer.MAX_VALUE)
    void theKeptAsideCopyMovedBesideTheBackupsRestoresTheReplacedRows() throws Exception {
        Path kept = keptAside();
        String keptTime = JSON.readTree(kept.resolve("manifest.json").toFile()).get("backup_time").asText();
        Files.move(kept, backups().resolve(cluster).resolve(kept.getFileName()));

        Reply undo = run(manager, restoreInPlace(keptTime, cluster, cluster));

        assertThat(undo.result()).as(undo.toString()).isEqualTo("done");
        for (String shard : List.of("shard1", "shard2")) {
            for (JsonNode node : shardNodes(manager.client(), cluster, shard)) {
                assertThat(readEventually(node, "SELECT COUNT(*) FROM app.t"))
                        .as(shard + " " + ClusterFixture.address(node))
                        .isEqualTo(String.valueOf(ROWS_PER_SHARD + 2 * ROWS_UP_TO_T));
            }
        }
        try (Connection sql = ClusterFixture.postgres(comps(manager.client(), cluster).get(0));
             Statement statement = sql.createStatement()) {
            assertThat(value(statement, "SELECT count(*) FROM made_after_the_backup")).isEqualTo("0");
        }
    }

    @Test
    void aClusterOfAnotherNumberOfShardsIsRefusedNamingBothCountsAndNothingChanges() {
        assertRefused(restoreInPlace(backupTime, cluster, oneShardCluster), "backup " + backupId + " of cluster "
                + cluster + " has 2 shards, cluster " + oneShardCluster + " has 1; restore_cluster needs the same"
                + " number");
    }

    @Test
    void aRestoreWhoseCopyOfTheReplacedDataCannotBeMadeFailsBeforeOverwritingAnything() throws Exception {
        JsonNode node = primary(manager.client(), oneShardCluster, "shard1");
        try (Connection sql = ClusterFixture.mariadb(node); Statement statement = sql.createStatement()) {
            statement.execute("CREATE DATABASE app");
            statement.execute("CREATE TABLE app.t (v VARCHAR(40))");
            statement.execute("INSERT INTO app.t VALUES ('in the backup')");
        }
        Reply backup = run(manager, backup(oneShardCluster));
        assertThat(backup.result()).as(backup.toString()).isEqualTo("done");
        try (Connection sql = ClusterFixture.mariadb(node); Statement statement = sql.createStatement()) {
            statement.execute("INSERT INTO app.t VALUES ('after the backup')");
        }
        Path blocking = backups().resolve(oneShardCluster).resolve("replaced");
        Files.writeString(blocking, "a file where the copies of replaced data go");
        List<String> storeBefore = storeListing();

        Reply failed = run(manager, restoreInPlace(backup.info(), oneShardCluster, oneShardCluster));

        assertThat(failed.result()).isEqualTo("failed");
        assertThat(failed.info()).contains(blocking.toString()).doesNotContain("had begun to replace");
        assertThat(readOn(node, "SELECT GROUP_CONCAT(v ORDER BY v) FROM app.t"))
                .isEqualTo("after the backup,in the backup");
        assertThat(ClusterFixture.storageNodes(manager.client(), oneShardCluster))
                .allSatisfy(instance -> assertThat(instance.get("status").asText()).isEqualTo("active"));
        assertThat(storeListing()).isEqualTo(storeBefore);
    }

    @Test
    void anUnknownTargetIsRefusedAndNothingChanges() {
        assertRefused(restoreInPlace(backupTime, cluster, "cluster_that_does_not_exist"),
                "no cluster named cluster_that_does_not_exist");
    }

    /**
     * The restore began a new history: the archive of the replaced one went with the kept copy, so
     * no archive reaches from the backup past the restore.
     */
    @Test
    void aTimestampPastTheEndOfTheArchiveIsRefusedAsByRestoreNewCluster() {
        String now = LocalDateTime.now().format(SECOND);

        assertRefused(restoreInPlace(now, cluster, cluster), null);
        assertThat(lastRefusal.info()).startsWith("no binlog archive covers ").endsWith(" to " + now
                + " for cluster " + cluster + " shard shard1");
    }

    @Test
    void withTheSwitchOffAsByDefaultItIsRefusedNamingTheSettingAndNothingIsMade() {
        Reply refused = run(switchedOff.client(), restoreInPlace(backupTime, cluster, cluster));

        assertThat(refused.result()).isEqualTo("failed");
        assertThat(refused.info()).isEqualTo(SWITCHED_OFF);
        assertThat(ClusterFixture.entries(ClusterFixture.query(switchedOff, "get_cluster", null))).isEmpty();
        assertThat(switchedOff.home().resolve("backups")).doesNotExist();
    }

    /**
     * The restore fails with the info (unless null; the reply is kept in {@link #lastRefusal}), and
     * leaves the clusters, their instances and the store as they were.
     */
    private static void assertRefused(ObjectNode request, String info) {
        List<JsonNode> clustersBefore = ClusterFixture.entries(ClusterFixture.query(manager, "get_cluster", null));
        List<JsonNode> storage = ClusterFixture.storageNodes(manager.client(), cluster);
        List<JsonNode> oneShardStorage = ClusterFixture.storageNodes(manager.client(), oneShardCluster);
        List<String> storeBefore = storeListing();

        Reply refused = run(manager, request);

        lastRefusal = refused;
        assertThat(refused.result()).isEqualTo("failed");
        if (info != null) {
            assertThat(refused.info()).isEqualTo(info);
        }
        assertThat(ClusterFixture.entries(ClusterFixture.query(manager, "get_cluster", null)))
                .isEqualTo(clustersBefore);
        assertThat(ClusterFixture.storageNodes(manager.client(), cluster)).isEqualTo(storage);
        assertThat(ClusterFixture.storageNodes(manager.client(), oneShardCluster)).isEqualTo(oneShardStorage);
        assertThat(storeListing()).isEqualTo(storeBefore);
    }

    private static Path backups() {
        return manager.home().toAbsolutePath().normalize().resolve("backups");
    }

    /** The copy the restore kept of the data it replaced: the one directory under the cluster's {@code replaced}. */
    private static Path keptAside() throws Exception {
        try (Stream<Path> copies = Files.list(backups().resolve(cluster).resolve("replaced"))) {
            List<Path> all = copies.toList();
            assertThat(all).hasSize(1);
            return all.get(0);
        }
    }

    /** Every file and directory in the store. */
    private static List<String> storeListing() {
        try (Stream<Path> files = Files.walk(backups())) {
            return files.map(Path::toString).sorted().toList();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
