package io.kunlun.testkit.backup;

import com.fasterxml.jackson.databind.JsonNode;
import io.kunlun.core.config.BackupConfig;
import io.kunlun.testkit.LoopbackMachine;
import io.kunlun.testkit.LoopbackMachines;
import io.kunlun.testkit.Reply;
import io.kunlun.testkit.TestManager;
import io.kunlun.testkit.cluster.ClusterFixture;
import io.kunlun.testkit.topology.TopologyFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;

import static io.kunlun.testkit.backup.BackupRequests.backup;
import static io.kunlun.testkit.backup.BackupRequests.restoreInPlace;
import static io.kunlun.testkit.backup.RestoreFixture.execute;
import static io.kunlun.testkit.cluster.ClusterFixture.comps;
import static io.kunlun.testkit.cluster.ClusterFixture.primary;
import static io.kunlun.testkit.cluster.ClusterFixture.readEventually;
import static io.kunlun.testkit.cluster.ClusterFixture.run;
import static io.kunlun.testkit.cluster.ClusterFixture.shardNodes;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * restore_cluster of an mgr (Galera) cluster into itself: the group is bootstrapped again from the
 * restored node and the other members rejoin it by a full state transfer.
 */
class RestoreGroupInPlaceTest {
    @RegisterExtension
    static TestManager manager = TestManager.builder().configure(config -> config.withExposeCredentials(true)
            .withHealthIntervalSeconds(3600).withBackup(new BackupConfig(null, null, null, true))).build();
    @RegisterExtension
    static LoopbackMachines loopback = LoopbackMachines.range("127.0.0.220", "127.0.0.222");

    @Test
    void aGroupRestoredInPlaceAtItsBackupsTimeHasThreeSyncedMembersWithExactlyTheBackedUpRows() throws Exception {
        List<LoopbackMachine> machines = List.of(loopback.take(), loopback.take(), loopback.take());
        ClusterFixture.register(manager, machines);
        String cluster = ClusterFixture.createdCluster(manager.client(), "mgr", 1, 3, 1, machines);
        JsonNode primary = primary(manager.client(), cluster, "shard1");
        ClusterFixture.createTable(primary);
        execute(primary, "INSERT INTO app.t SELECT seq, 'before' FROM app.seq_1_to_50");
        TopologyFixture.insertThrough(comps(manager.client(), cluster).get(0), "shard1", 51, "through comp1");
        Reply backup = run(manager, backup(cluster));
        assertThat(backup.result()).as(backup.toString()).isEqualTo("done");
        execute(primary, "INSERT INTO app.t SELECT seq, 'after' FROM app.seq_52_to_60");

        Reply restore = run(manager, restoreInPlace(backup.info(), cluster, cluster));

        assertThat(restore.result()).as(restore.toString()).isEqualTo("done");
        List<JsonNode> members = shardNodes(manager.client(), cluster, "shard1");
        assertThat(members).hasSize(3).allSatisfy(member -> assertThat(member.get("status").asText())
                .isEqualTo("active"));
        for (JsonNode member : members) {
            assertThat(readEventually(member, "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS"
                    + " WHERE VARIABLE_NAME = 'WSREP_CLUSTER_SIZE'")).as(ClusterFixture.address(member)).isEqualTo("3");
            assertThat(readEventually(member, "SELECT CONCAT(COUNT(*), ' rows up to ', MAX(id)) FROM app.t"))
                    .as(ClusterFixture.address(member)).isEqualTo("51 rows up to 51");
        }
        execute(members.get(2), "INSERT INTO app.t VALUES (61, 'after the restore')");
        assertThat(readEventually(members.get(0), "SELECT v FROM app.t WHERE id = 61")).isEqualTo("after the restore");
        try (Connection sql = ClusterFixture.postgres(comps(manager.client(), cluster).get(0));
             Statement statement = sql.createStatement();
             ResultSet rows = statement.executeQuery("SELECT v FROM t_shard1 WHERE id = 51")) {
            assertThat(rows.next()).isTrue();
            assertThat(rows.getString(1)).isEqualTo("through comp1");
        }
    }
}
