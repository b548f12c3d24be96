package io.kunlun.testkit.backup;

import com.fasterxml.jackson.databind.JsonNode;
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

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.kunlun.testkit.backup.BackupRequests.backup;
import static io.kunlun.testkit.backup.BackupRequests.restoreNew;
import static io.kunlun.testkit.backup.RestoreFixture.SECOND;
import static io.kunlun.testkit.backup.RestoreFixture.awaitArchivedPast;
import static io.kunlun.testkit.backup.RestoreFixture.insertRows;
import static io.kunlun.testkit.cluster.ClusterFixture.primary;
import static io.kunlun.testkit.cluster.ClusterFixture.readOn;
import static io.kunlun.testkit.cluster.ClusterFixture.run;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Backups and restores of an rbr cluster of 2 shards (one node each) and a comp, with the
 * manager's backup times in a zone that is not the system's ({@code backup.time_zone}
 * Asia/Kolkata, UTC+05:30, no daylight saving time): a backup taken while a writer keeps
 * inserting sequential ids on every shard restores to a gap-free prefix of them on every shard,
 * and backup times, list_backups and restores' timestamps are all in the configured zone.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BackupUnderWritesTest {
    private static final ZoneId ZONE = ZoneId.of("Asia/Kolkata");
    private static final List<String> SHARDS = List.of("shard1", "shard2");

    @RegisterExtension
    static TestManager manager = TestManager.builder().configure(config -> config.withExposeCredentials(true)
            .withHealthIntervalSeconds(1).withBackup(config.backupStore().withTimeZone(ZONE.getId()))).build();
    @RegisterExtension
    static LoopbackMachines loopback = LoopbackMachines.range("127.0.0.134", "127.0.0.135");
    static List<LoopbackMachine> sourceMachines;
    static List<LoopbackMachine> targetMachines;
    static String source;

    @BeforeAll
    static void createCluster() throws Exception {
        sourceMachines = List.of(loopback.take());
        targetMachines = List.of(loopback.take());
        ClusterFixture.register(manager, List.of(sourceMachines.get(0), targetMachines.get(0)));
        source = ClusterFixture.createdCluster(manager.client(), "rbr", 2, 1, 1, sourceMachines);
        for (String shard : SHARDS) {
            RestoreFixture.execute(primary(manager.client(), source, shard), "CREATE DATABASE app");
            RestoreFixture.execute(primary(manager.client(), source, shard), "CREATE TABLE app.w (id INT PRIMARY KEY)");
        }
    }

    @Test
    @Order(1)
    void aBackupTakenWhileAWriterKeepsInsertingRestoresAGapFreePrefixOnEveryShard() throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        List<CompletableFuture<Integer>> writers = new ArrayList<>();
        for (String shard : SHARDS) {
            JsonNode primary = primary(manager.client(), source, shard);
            writers.add(CompletableFuture.supplyAsync(() -> insertUntil(primary, stop)));
        }
        Thread.sleep(500);
        Reply backup;
        try {
            backup = run(manager, backup(source));
        } finally {
            stop.set(true);
        }
        List<Integer> written = new ArrayList<>();
        for (CompletableFuture<Integer> writer : writers) {
            written.add(writer.get(30, TimeUnit.SECONDS));
        }
        assertThat(backup.result()).as(backup.toString()).isEqualTo("done");

        Reply restore = run(manager, restoreNew(backup.info(), source, targetMachines));

        assertThat(restore.result()).as(restore.toString()).isEqualTo("done");
        for (int i = 0; i < SHARDS.size(); i++) {
            String counted = readOn(primary(manager.client(), restore.info(), SHARDS.get(i)),
                    "SELECT CONCAT(COUNT(*), ' ', COALESCE(MIN(id), 0), ' ', COALESCE(MAX(id), 0)) FROM app.w");
            String[] rows = counted.split(" ");
            int count = Integer.parseInt(rows[0]);
            assertThat(count).as(SHARDS.get(i) + ": rows 1 to n without a hole, written while the copy ran (of "
                    + written.get(i) + " written in all): " + counted).isPositive().isLessThan(written.get(i));
            assertThat(rows[1] + " " + rows[2]).as(SHARDS.get(i)).isEqualTo("1 " + count);
        }
        assertThat(ClusterFixture.deleteCluster(manager, restore.info()).result()).isEqualTo("done");
    }

    @Test
    @Order(2)
    void backupTimesListBackupsAndTimestampsAreInTheConfiguredZone() throws Exception {
        Reply backup = run(manager, backup(source));
        assertThat(backup.result()).as(backup.toString()).isEqualTo("done");
        LocalDateTime backupTime = LocalDateTime.parse(backup.info(), SECOND);
        assertThat(Duration.between(backupTime, LocalDateTime.now(ZONE)).abs())
                .as("the backup's time " + backup.info() + " is a time in " + ZONE).isLessThan(Duration.ofMinutes(1));
        assertThat(ClusterFixture.query(manager.client(), "list_backups", source).get("backups"))
                .extracting(entry -> entry.get("time").asText()).contains(backup.info());
        awaitSecondAfter(backup.info());
        for (String shard : SHARDS) {
            insertRows(manager.client(), source, shard, 1, 10);
        }
        String pointInTime = LocalDateTime.now(ZONE).format(SECOND);
        awaitSecondAfter(pointInTime);
        for (String shard : SHARDS) {
            insertRows(manager.client(), source, shard, 11, 10);
        }
        awaitArchivedPast(manager.client(), source, pointInTime);

        Reply restore = run(manager, restoreNew(pointInTime, source, targetMachines));

        assertThat(restore.result()).as(restore.toString()).isEqualTo("done");
        for (String shard : SHARDS) {
            assertThat(readOn(primary(manager.client(), restore.info(), shard), "SELECT COUNT(*) FROM app.t"))
                    .as(shard + ": the rows written up to " + pointInTime + " in " + ZONE + ", none after")
                    .isEqualTo("10");
        }
    }

    /** Inserts ids 1, 2, 3, … one transaction each until told to stop; answers how many it wrote. */
    private static int insertUntil(JsonNode primary, AtomicBoolean stop) {
        int id = 0;
        try (Connection sql = ClusterFixture.mariadb(primary); Statement statement = sql.createStatement()) {
            while (!stop.get()) {
                statement.execute("INSERT INTO app.w VALUES (" + (id + 1) + ")");
                id++;
            }
            return id;
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException("the writer failed after " + id + " rows", e);
        }
    }

    /** Waits until the manager's clock, in the configured zone, is past the second. */
    private static void awaitSecondAfter(String second) throws InterruptedException {
        LocalDateTime next = LocalDateTime.parse(second, SECOND).plusSeconds(1);
        while (LocalDateTime.now(ZONE).isBefore(next)) {
            Thread.sleep(50);
        }
    }
}
