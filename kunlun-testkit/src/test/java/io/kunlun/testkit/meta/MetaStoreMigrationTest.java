package io.kunlun.testkit.meta;

import io.kunlun.core.ClusterManager;
import io.kunlun.core.ManagerException;
import io.kunlun.core.config.ManagerConfig;
import io.kunlun.core.config.ManagerConfig.MetadataConfig;
import io.kunlun.core.meta.MetadataStore;
import io.kunlun.core.meta.StoreMigration;
import io.kunlun.core.meta.group.MetaGroup;
import io.kunlun.model.ClusterSpec;
import io.kunlun.model.HaMode;
import io.kunlun.model.MetaNode;
import io.kunlun.model.job.JobState;
import io.kunlun.model.job.WireFormat;
import io.kunlun.server.ServeConfig;
import io.kunlun.testkit.LoopbackMachine;
import io.kunlun.testkit.LoopbackMachines;
import io.kunlun.testkit.Reply;
import io.kunlun.testkit.TestManager;
import io.kunlun.testkit.TestPorts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code meta bootstrap} of one member (a single server: no_rep), and {@code meta migrate} of a
 * manager home's embedded store into it: a manager on the written configuration has the home's
 * machine, cluster and job; a second migration into the now filled store is refused.
 */
class MetaStoreMigrationTest {
    @RegisterExtension
    static LoopbackMachines loopback = LoopbackMachines.of("127.0.0.155");

    @Test
    void aHomeMigratedIntoASingleServerKeepsItsMachinesClustersAndJobs(@TempDir Path dir) throws Exception {
        LoopbackMachine machine = loopback.take();
        Path home = dir.resolve("home");
        try (ClusterManager embedded = ClusterManager.open(TestPorts.managerConfig(home))) {
            embedded.submit(WireFormat.parse(machine.createMachineJson("migrated-1").getBytes(StandardCharsets.UTF_8)));
            assertThat(embedded.await("migrated-1", Duration.ofSeconds(60)).state()).isEqualTo(JobState.DONE);
        }
        try (MetadataStore store = MetadataStore.open(MetadataConfig.embedded(), home, new MetaNode("127.0.0.1", 0))) {
            store.clusters().insertCluster("migrated", new ClusterSpec(HaMode.NO_REP, 1, 1, 100, 1, 1), "migrated-1",
                    List.of());
        }
        Path configFile = dir.resolve("manager.json");
        int port = TestPorts.storagePortBase() + 172;
        try (MetaGroup group = new MetaGroup(TestPorts.managerConfig(dir))) {
            group.bootstrap(new MetaGroup.Bootstrap(List.of(machine.hostaddr()), machine.datadir().toString(), port,
                    64, List.of(), configFile, null));
        }
        MetadataConfig target = ServeConfig.load(configFile).manager().metadata();

        Map<String, Integer> copied = StoreMigration.migrate(home, target);

        assertThat(copied).containsEntry("machine", 1).containsEntry("cluster", 1).containsEntry("job", 1);
        assertThat(target.jdbcUrl()).isEqualTo("jdbc:mariadb://" + machine.hostaddr() + ":" + port + "/kunlun_meta");
        assertThatThrownBy(() -> StoreMigration.migrate(home, target))
                .isInstanceOf(ManagerException.class)
                .hasMessage("the metadata store " + target.jdbcUrl() + " is not empty: cluster (1 rows), job (1 rows),"
                        + " machine (1 rows), machine_path (4 rows); the metadata is migrated into a new store only");
        ManagerConfig written = ServeConfig.load(configFile).manager();
        TestManager manager = TestManager.builder().configure(config -> config.withMetadata(written.metadata()))
                .build().start();
        try {
            assertThat(manager.post("{\"job_type\":\"get_meta_mode\"}").json().get("mode").asText())
                    .isEqualTo("no_rep");
            assertThat(manager.post("{\"job_type\":\"get_meta\"}").json().toString()).isEqualTo("{\"meta0\":{\"ip\":\""
                    + machine.hostaddr() + "\",\"port\":\"" + port + "\",\"status\":\"online\"}}");
            Reply job = manager.post("{\"job_type\":\"get_status\",\"job_id\":\"migrated-1\"}");
            assertThat(job.result()).as(job.toString()).isEqualTo("done");
            assertThat(manager.post("{\"job_type\":\"get_cluster\"}").body()).contains("\"name\":\"migrated\"");
            Reply deleted = manager.submitAndAwait(machine.deleteMachineJson("migrated-2"));
            assertThat(deleted.result()).as(deleted.toString()).isEqualTo("done");
        } finally {
            manager.close();
        }
    }
}
