package io.kunlun.testkit.backup;

import com.fasterxml.jackson.databind.JsonNode;
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

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static io.kunlun.testkit.backup.BackupRequests.backup;
import static io.kunlun.testkit.backup.BackupRequests.deleteBackup;
import static io.kunlun.testkit.cluster.ClusterFixture.primary;
import static io.kunlun.testkit.cluster.ClusterFixture.run;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Retention ({@code backup.retention.keep_backups = 2}) and delete_backup through HTTP on a real
 * no_rep cluster of one shard: the store keeps the newest two backups, the archived binlogs only
 * the older backups needed go with them, and delete_backup deletes exactly the backup named.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BackupRetentionTest {
    @RegisterExtension
    static TestManager manager = TestManager.builder().configure(config -> config.withExposeCredentials(true)
            // The last test stops the primary behind the monitor's back; the monitor must not notice first.
            .withHealthIntervalSeconds(3600)
            .withBackup(new BackupConfig(null, null, new BackupConfig.Retention(2, null), false))).build();
    @RegisterExtension
    static LoopbackMachines loopback = LoopbackMachines.range("127.0.0.243", "127.0.0.243");
    static List<LoopbackMachine> machines;
    static String cluster;
    static JsonNode primary;

    @BeforeAll
    static void createCluster() throws Exception {
        machines = List.of(loopback.take());
        ClusterFixture.register(manager, machines);
        cluster = ClusterFixture.createdCluster(manager.client(), "no_rep", 1, 1, 1, machines);
        primary = primary(manager.client(), cluster, "shard1");
        ClusterFixture.createTable(primary);
    }

    @Test
    @Order(1)
    void aThirdBackupDeletesTheOldestWithTheBinlogsOnlyItNeeded() throws Exception {
        List<String> ids = new ArrayList<>();
        for (int backup = 1; backup <= 3; backup++) {
            writeAndRotate(backup);
            ids.add(backedUp());
        }

        assertThat(backupDirectories()).as("the newest two backups").containsExactly(ids.get(1), ids.get(2));
        assertThat(listedIds()).containsExactly(ids.get(1), ids.get(2));
        assertThat(archivedFiles()).as("the files wholly before the second backup's position are gone")
                .doesNotContain("binlog.000001", "binlog.000002").first().isEqualTo("binlog.000003");
    }

    @Test
    @Order(2)
    void deleteBackupDeletesExactlyTheBackupNamed() throws Exception {
        List<String> before = listedIds();

        Reply deleted = run(manager, deleteBackup(cluster, before.get(1)));

        assertThat(deleted.result()).as(deleted.toString()).isEqualTo("done");
        assertThat(deleted.info()).isEqualTo(before.get(1));
        assertThat(listedIds()).containsExactly(before.get(0));
        assertThat(backupDirectories()).containsExactly(before.get(0));
    }

    @Test
    @Order(3)
    void deleteBackupOfAnUnknownBackupIsRefusedAndDeletesNothing() throws Exception {
        List<String> before = backupDirectories();

        Reply deleted = run(manager, deleteBackup(cluster, "20000101T000000Z"));

        assertThat(deleted.result()).isEqualTo("failed");
        assertThat(deleted.info()).isEqualTo("backup store 127.0.0.1:" + store() + " holds no backup 20000101T000000Z"
                + " of cluster " + cluster);
        assertThat(backupDirectories()).isEqualTo(before);
    }

    @Test
    @Order(3)
    void deleteBackupWithAMalformedIdIsRefused() {
        Reply deleted = manager.post(deleteBackup(cluster, "../binlog").toString());

        assertThat(deleted.result()).isEqualTo("failed");
        assertThat(deleted.info()).isEqualTo("backup_id must be a backup id such as 20261202T043107Z, got \"../binlog\"");
    }

    @Test
    @Order(4)
    void aFailedBackupThatStartedArchivingTakesTheArchiveItMadeBack() throws Exception {
        Path binlogs = store().resolve(cluster).resolve("binlog");
        // A cluster made before archiving existed: no archive, no archiver.
        deleteRecursively(binlogs);
        for (String line : processLines()) {
            if (line.contains("--result-file=" + binlogs + "/")) {
                new ProcessBuilder("kill", "-KILL", line.strip().split("\\s+")[0]).start().waitFor();
            }
        }
        List<String> before = backupDirectories();
        ClusterFixture.asOperatorOnTheMachine(machines, primary, "SHUTDOWN");

        Reply backup = run(manager, backup(cluster));

        assertThat(backup.result()).as(backup.toString()).isEqualTo("failed");
        assertThat(binlogs).as("the archive the backup started is gone with it").doesNotExist();
        assertThat(backupDirectories()).isEqualTo(before);
    }

    private static List<String> processLines() throws Exception {
        Process ps = new ProcessBuilder("ps", "-ww", "-e", "-o", "pid=,args=").start();
        String table = new String(ps.getInputStream().readAllBytes());
        ps.waitFor();
        return table.lines().toList();
    }

    private static void deleteRecursively(Path directory) throws IOException {
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }

    /** A row, then a new binlog file on the primary, so that each backup falls in a file of its own. */
    private static void writeAndRotate(int id) throws Exception {
        try (Connection sql = ClusterFixture.mariadb(primary); Statement statement = sql.createStatement()) {
            statement.execute("INSERT INTO app.t VALUES (" + id + ", 'row')");
        }
        ClusterFixture.asOperatorOnTheMachine(machines, primary, "FLUSH BINARY LOGS");
    }

    private static String backedUp() throws Exception {
        Reply backup = run(manager, backup(cluster));
        assertThat(backup.result()).as(backup.toString()).isEqualTo("done");
        List<String> listed = listedIds();
        Thread.sleep(1100); // backup ids are seconds
        return listed.get(listed.size() - 1);
    }

    private static List<String> listedIds() {
        List<String> ids = new ArrayList<>();
        ClusterFixture.query(manager, "list_backups", cluster).get("backups")
                .forEach(backup -> ids.add(backup.get("backup_id").asText()));
        return ids;
    }

    private static Path store() {
        return manager.home().toAbsolutePath().normalize().resolve("backups");
    }

    private static List<String> backupDirectories() throws IOException {
        try (Stream<Path> children = Files.list(store().resolve(cluster))) {
            return children.map(child -> child.getFileName().toString()).filter(name -> !name.equals("binlog"))
                    .sorted().toList();
        }
    }

    private static List<String> archivedFiles() throws IOException {
        Path shard = store().resolve(cluster).resolve("binlog").resolve("shard1");
        Path source = shard.resolve(primary.get("ip").asText() + "_" + primary.get("port").asText());
        try (Stream<Path> files = Files.list(source)) {
            return files.map(file -> file.getFileName().toString()).sorted().toList();
        }
    }
}
