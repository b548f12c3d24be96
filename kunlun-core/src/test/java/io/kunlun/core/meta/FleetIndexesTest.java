package io.kunlun.core.meta;

import io.kunlun.core.config.ManagerConfig.MetadataConfig;
import io.kunlun.model.MetaNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The statements that must not read a whole table at fleet scale (bench/fleet.sh) go through
 * their index, as the embedded store plans them.
 */
class FleetIndexesTest {
    @TempDir
    Path home;

    @Test
    void aClustersInstancesAreFoundThroughTheirClusterIndex() {
        assertThat(plan(ClusterTable.INSTANCES_OF_CLUSTER.replace(":c", "'c1'"))).contains("instance_by_cluster");
    }

    @Test
    void eachClustersCompCountIsTakenThroughTheClusterIndex() {
        assertThat(plan(ClusterTable.CLUSTER_SELECT)).contains("instance_by_cluster");
    }

    @Test
    void theRetentionAsksWhetherAPortReservationNamesAJobThroughItsJobIndex() {
        assertThat(plan("SELECT job_id FROM job WHERE " + JobTable.UNNAMED)).contains("port_allocation_by_job");
    }

    @Test
    void theRetentionAsksWhetherAClusterNamesAJobThroughItsJobIndex() {
        assertThat(plan("SELECT job_id FROM job WHERE " + JobTable.UNNAMED)).contains("cluster_by_job");
    }

    private String plan(String statement) {
        try (MetadataStore store = MetadataStore.open(MetadataConfig.embedded(), home, new MetaNode("127.0.0.1", 57000))) {
            return store.jdbi().withHandle(handle -> handle.createQuery("EXPLAIN " + statement).mapTo(String.class)
                    .one()).toLowerCase();
        }
    }
}
