package io.kunlun.testkit.backup;

import com.fasterxml.jackson.databind.JsonNode;
import io.kunlun.testkit.LoopbackMachine;
import io.kunlun.testkit.LoopbackMachines;
import io.kunlun.testkit.Reply;
import io.kunlun.testkit.TestManager;
import io.kunlun.testkit.cluster.ClusterFixture;
import io.kunlun.testkit.topology.TopologyFixture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;

import static io.kunlun.testkit.backup.BackupRequests.backup;
import static io.kunlun.testkit.backup.BackupRequests.restoreNew;
import static io.kunlun.testkit.backup.RestoreFixture.execute;
import static io.kunlun.testkit.cluster.ClusterFixture.comps;
import static io.kunlun.testkit.cluster.ClusterFixture.primary;
import static io.kunlun.testkit.cluster.ClusterFixture.readEventually;
import static io.kunlun.testkit.cluster.ClusterFixture.run;
import static io.kunlun.testkit.cluster.ClusterFixture.shardNodes;
import static org.assertj.core.api.Assertions.assertThat;

/** restore_new_cluster of an mgr (Galera) cluster: the group is bootstrapped from the restored node. */
class RestoreGroupTest {
    @RegisterExtension
    static TestManager manager = TestManager.builder()
            .configure(config -> config.withExposeCredentials(true).withHealthIntervalSeconds(3600)).build();
    @RegisterExtension
    static LoopbackMachines loopback = LoopbackMachines.range("127.0.0.236", "127.0.0.238");

    static List<LoopbackMachine> machines;
    static String source;
    static String backupTime;

    @BeforeAll
    static void createWriteAndBackUp() throws Exception {
        machines = List.of(loopback.take(), loopback.take(), loopback.take());
        ClusterFixture.register(manager, machines);
        source = ClusterFixture.createdCluster(manager.client(), "mgr", 1, 3, 1, machines);
        JsonNode sourcePrimary = primary(manager.client(), source, "shard1");
        ClusterFixture.createTable(sourcePrimary);
        execute(sourcePrimary, "INSERT INTO app.t SELECT seq, 'before' FROM app.seq_1_to_50");
        TopologyFixture.insertThrough(comps(manager.client(), source).get(0), "shard1", 51, "through comp1");
        Reply backup = run(manager, backup(source));
        assertThat(backup.result()).as(backup.toString()).isEqualTo("done");
        backupTime = backup.info();
        execute(sourcePrimary, "INSERT INTO app.t SELECT seq, 'after' FROM app.seq_52_to_60");
    }

    @Test
    void aTimeAfterTheBackupIsRefusedUntilMembersShareTransactionIds() throws InterruptedException {
        String later = LocalDateTime.parse(backupTime, DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss"))
                .plusSeconds(1).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss"));
        // Not a time in the future, which is refused first.
        RestoreFixture.awaitSecondAfter(backupTime);

        Reply refused = run(manager, restoreNew(later, source, machines));

        assertThat(refused.result()).isEqualTo("failed");
        assertThat(refused.info()).isEqualTo("point-in-time restore of an mgr cluster past a backup's time is not"
                + " supported yet (its members' binary logs do not share transaction ids); restore " + source
                + " at the time of one of its backups, e.g. " + backupTime);
    }

    @Test
    void aGroupRestoredAtItsBackupsTimeHasThreeSyncedMembersWithExactlyTheBackedUpRows() throws Exception {
        Reply restore = run(manager, restoreNew(backupTime, source, machines));

        assertThat(restore.result()).as(restore.toString()).isEqualTo("done");
        List<JsonNode> members = shardNodes(manager.client(), restore.info(), "shard1");
        assertThat(members).hasSize(3);
        for (JsonNode member : members) {
            assertThat(readEventually(member, "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS"
                    + " WHERE VARIABLE_NAME = 'WSREP_CLUSTER_SIZE'")).as(ClusterFixture.address(member)).isEqualTo("3");
            assertThat(readEventually(member, "SELECT CONCAT(COUNT(*), ' rows up to ', MAX(id)) FROM app.t"))
                    .as(ClusterFixture.address(member)).isEqualTo("51 rows up to 51");
        }
        try (Connection sql = ClusterFixture.postgres(comps(manager.client(), restore.info()).get(0));
             Statement statement = sql.createStatement();
             ResultSet rows = statement.executeQuery("SELECT v FROM t_shard1 WHERE id = 51")) {
            assertThat(rows.next()).isTrue();
            assertThat(rows.getString(1)).isEqualTo("through comp1");
        }
    }
}
