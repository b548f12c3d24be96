package io.kunlun.core.meta;

import io.kunlun.model.Cluster;
import io.kunlun.model.ClusterSpec;
import io.kunlun.model.HaMode;
import io.kunlun.model.Instance;
import io.kunlun.model.InstanceKind;
import io.kunlun.model.InstanceStatus;
import io.kunlun.model.Role;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/** The fleet's clusters and instances, each in one query, as a health round reads them. */
class FleetQueriesTest {
    @RegisterExtension
    final EmbeddedStore meta = new EmbeddedStore();

    private void insert(String cluster, String shard, Role role, String hostaddr, int port) {
        meta.store().clusters().insertInstance(new Instance(hostaddr, port, cluster, InstanceKind.STORAGE, Optional.of(shard),
                Optional.empty(), Optional.of(role), InstanceStatus.ACTIVE, 0, 0, "/d", "/l", "/w", ""));
    }

    private void insertComp(String cluster, String comp, String hostaddr, int port) {
        meta.store().clusters().insertInstance(new Instance(hostaddr, port, cluster, InstanceKind.COMP, Optional.empty(),
                Optional.of(comp), Optional.empty(), InstanceStatus.ACTIVE, 0, 0, "/d", "/d", "/d", ""));
    }

    @Test
    void everyClusterIsListedWithItsOwnShardAndCompCountsAsFindingItAloneCountsThem() {
        for (String cluster : List.of("a", "b", "empty")) {
            meta.store().clusters().insertCluster(cluster, new ClusterSpec(HaMode.RBR, 2, 10, 1000, 2, 1), "job", List.of());
        }
        meta.store().clusters().insertShard("a", "shard1");
        meta.store().clusters().insertShard("a", "shard2");
        meta.store().clusters().insertShard("b", "shard1");
        insertComp("a", "comp1", "127.0.0.1", 5001);
        insertComp("b", "comp1", "127.0.0.1", 5011);
        insertComp("b", "comp2", "127.0.0.2", 5011);
        insert("b", "shard1", Role.PRIMARY, "127.0.0.1", 6001);

        assertThat(meta.store().clusters().listClusters()).extracting(Cluster::name, Cluster::shards, Cluster::comps)
                .containsExactlyInAnyOrder(tuple("a", 2, 1), tuple("b", 1, 2), tuple("empty", 0, 0));
        assertThat(meta.store().clusters().listClusters())
                .containsExactlyInAnyOrderElementsOf(List.of("a", "b", "empty").stream()
                        .map(name -> meta.store().clusters().findCluster(name).orElseThrow()).toList());
    }

    @Test
    void eachClustersInstancesComeUnderItsNameInTheOrderOfItsOwnQuery() {
        for (String cluster : List.of("a", "b")) {
            meta.store().clusters().insertCluster(cluster, new ClusterSpec(HaMode.RBR, 2, 10, 1000, 2, 1), "job", List.of());
        }
        insert("a", "shard10", Role.REPLICA, "127.0.0.2", 6001);
        insert("b", "shard1", Role.PRIMARY, "127.0.0.1", 6101);
        insert("a", "shard2", Role.PRIMARY, "127.0.0.3", 6001);
        insert("a", "shard10", Role.PRIMARY, "127.0.0.1", 6001);
        insert("a", "shard2", Role.REPLICA, "127.0.0.1", 6011);

        assertThat(meta.store().clusters().instancesByCluster())
                .containsOnlyKeys("a", "b")
                .containsEntry("a", meta.store().clusters().instances("a"))
                .containsEntry("b", meta.store().clusters().instances("b"));
    }
}
