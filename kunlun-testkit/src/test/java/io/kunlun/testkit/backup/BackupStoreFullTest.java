package io.kunlun.testkit.backup;

import com.fasterxml.jackson.databind.JsonNode;
import io.kunlun.core.config.BackupConfig;
import io.kunlun.testkit.LoopbackMachine;
import io.kunlun.testkit.LoopbackMachines;
import io.kunlun.testkit.Programs;
import io.kunlun.testkit.Reply;
import io.kunlun.testkit.TempDirs;
import io.kunlun.testkit.TestManager;
import io.kunlun.testkit.cluster.ClusterFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;

import static io.kunlun.testkit.backup.BackupRequests.backup;
import static io.kunlun.testkit.cluster.ClusterFixture.primary;
import static io.kunlun.testkit.cluster.ClusterFixture.readOn;
import static io.kunlun.testkit.cluster.ClusterFixture.run;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A store that fills up during a backup: the store is a 20 MiB tmpfs, the shard holds about
 * 32 MiB of random bytes (written outside the binary log, so that the archive, in the same
 * store, stays small). The backup fails naming the full store, leaves no backup in it, and the
 * cluster goes on as it was.
 */
class BackupStoreFullTest {
    private static final int BLOB_ROWS = 1000;
    /** Random bytes per row, which no compression shrinks: 32 MiB in all. */
    private static final int ROW_KIBIBYTES = 32;

    private static final String ROWS_AND_CHECKSUM = "SELECT CONCAT(COUNT(*), ' ', SUM(CRC32(b))) FROM big.r";

    @RegisterExtension
    static LoopbackMachines loopback = LoopbackMachines.range("127.0.0.136", "127.0.0.136");
    static Path mountPoint;
    static boolean mounted;
    static TestManager manager;
    static List<LoopbackMachine> machines;
    static String cluster;

    @BeforeAll
    static void createClusterWithAStoreOfTwentyMebibytes() throws Exception {
        mountPoint = TempDirs.create("kunlun-full-store-");
        Programs.run(List.of("mount", "-t", "tmpfs", "-o", "size=20m,mode=0700", "tmpfs", mountPoint.toString()));
        mounted = true;
        manager = TestManager.builder().configure(config -> config.withExposeCredentials(true)
                .withBackup(new BackupConfig(null, store().toString(), null, false))).build().start();
        machines = List.of(loopback.take());
        ClusterFixture.register(manager, machines);
        cluster = ClusterFixture.createdCluster(manager.client(), "rbr", 1, 1, 1, machines);
        ClusterFixture.asOperatorOnTheMachine(machines, primary(manager.client(), cluster, "shard1"),
                "SET SESSION sql_log_bin = 0; CREATE DATABASE big; CREATE TABLE big.r (id INT PRIMARY KEY,"
                        + " b LONGBLOB); INSERT INTO big.r SELECT seq, CONCAT("
                        + String.join(", ", Collections.nCopies(ROW_KIBIBYTES, "RANDOM_BYTES(1024)"))
                        + ") FROM big.seq_1_to_" + BLOB_ROWS + ";");
    }

    @AfterAll
    static void stopEverything() throws Exception {
        try {
            if (manager != null) {
                try {
                    if (cluster != null) {
                        ClusterFixture.deleteCluster(manager, cluster);
                    }
                } finally {
                    manager.close();
                }
            }
        } finally {
            if (mounted) {
                Programs.run(List.of("umount", mountPoint.toString()));
            }
            TempDirs.delete(mountPoint);
        }
    }

    @Test
    void aBackupThatFillsTheStoreFailsNamingItLeavesNoBackupAndTheClusterAsItWas() throws Exception {
        JsonNode primary = primary(manager.client(), cluster, "shard1");
        String checksum = readOn(primary, ROWS_AND_CHECKSUM);

        Reply backup = run(manager, backup(cluster));

        assertThat(backup.result()).as(backup.toString()).isEqualTo("failed");
        assertThat(backup.info()).startsWith("backup store 127.0.0.1:" + store() + " ran out of space while copying"
                + " to 127.0.0.1:" + store().resolve(cluster) + "/");
        try (Stream<Path> entries = Files.list(store().resolve(cluster))) {
            assertThat(entries.map(entry -> entry.getFileName().toString()))
                    .as("the binlog archive and no backup").containsExactly("binlog");
        }
        assertThat(ClusterFixture.query(manager.client(), "list_backups", cluster).get("backups")).isEmpty();
        assertThat(primary(manager.client(), cluster, "shard1").get("status").asText()).isEqualTo("active");
        assertThat(readOn(primary, ROWS_AND_CHECKSUM)).isEqualTo(checksum);
    }

    private static Path store() {
        return mountPoint.resolve("store");
    }
}
