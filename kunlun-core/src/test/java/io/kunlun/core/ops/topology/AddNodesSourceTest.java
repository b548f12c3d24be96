package io.kunlun.core.ops.topology;

import io.kunlun.core.ManagerException;
import io.kunlun.model.Cluster;
import io.kunlun.model.ClusterSpec;
import io.kunlun.model.HaMode;
import io.kunlun.model.Instance;
import io.kunlun.model.InstanceKind;
import io.kunlun.model.InstanceStatus;
import io.kunlun.model.Role;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** add_nodes refuses a shard that has no running member to take a new node's data from. */
class AddNodesSourceTest {
    private static Cluster cluster(HaMode mode) {
        return new Cluster("c1", new ClusterSpec(mode, 3, 20, 100, 1, 1), 1, 1, 0);
    }

    private static Instance node(int port, Role role, InstanceStatus status) {
        return new Instance("127.0.0.2", port, "c1", InstanceKind.STORAGE, Optional.of("shard1"), Optional.empty(),
                Optional.of(role), status, port + 1, port + 2, "/d", "/l", "/w");
    }

    @Test
    void anRbrShardNeedsItsPrimaryActive() {
        assertThatThrownBy(() -> AddNodes.requireSource(cluster(HaMode.RBR), "shard1", List.of(
                node(1000, Role.PRIMARY, InstanceStatus.UNREACHABLE), node(2000, Role.REPLICA, InstanceStatus.ACTIVE))))
                .isInstanceOf(ManagerException.class)
                .hasMessage("shard1 primary 127.0.0.2:1000 is unreachable; a new node is seeded from it and replicates"
                        + " from it");
    }

    @Test
    void aGaleraShardNeedsOneActiveMember() {
        assertThatThrownBy(() -> AddNodes.requireSource(cluster(HaMode.MGR), "shard1", List.of(
                node(1000, Role.PRIMARY, InstanceStatus.STOPPED), node(2000, Role.PRIMARY, InstanceStatus.UNREACHABLE))))
                .isInstanceOf(ManagerException.class)
                .hasMessage("shard1 of cluster c1 has no active node for a new node to join");
    }

    @Test
    void aGaleraShardWithOneActiveMemberTakesNewNodes() {
        assertThatCode(() -> AddNodes.requireSource(cluster(HaMode.MGR), "shard1", List.of(
                node(1000, Role.PRIMARY, InstanceStatus.STOPPED), node(2000, Role.PRIMARY, InstanceStatus.ACTIVE))))
                .doesNotThrowAnyException();
    }
}
