package io.kunlun.core.ops;

import io.kunlun.core.ManagerException;
import io.kunlun.core.engines.ClusterUsers;
import io.kunlun.core.engines.GtidPosition;
import io.kunlun.core.engines.ShardTarget;
import io.kunlun.core.engines.StorageEngine;
import io.kunlun.core.engines.StorageNode;
import io.kunlun.core.hosts.Hosts;
import io.kunlun.core.jobs.JobContext;
import io.kunlun.core.meta.MetadataStore;
import io.kunlun.model.Cluster;
import io.kunlun.model.HaMode;
import io.kunlun.model.Instance;
import io.kunlun.model.InstanceKind;
import io.kunlun.model.Role;
import io.kunlun.model.job.JobRequest;
import io.kunlun.model.job.JobType;

import java.util.Comparator;
import java.util.List;

/**
 * delete_node: removes one node of a shard, never below the ha_mode's minimum. An rbr primary
 * hands over first: it stops taking writes, the most advanced replica catches up with it and
 * becomes the primary, the other replicas and every comp follow the new primary, and the
 * metadata records the new roles; only then is the old primary removed. A Galera member simply
 * leaves: the group shrinks by one, and the remaining members' configurations stop naming it.
 */
public final class DeleteNode implements Operation<JobRequest.DeleteNode, DeleteNode.Plan> {
    /** The node to delete and the other nodes of its shard. */
    public record Plan(Cluster cluster, Instance node, List<Instance> others) {
    }

    private final MetadataStore store;
    private final Hosts hosts;
    private final Drivers drivers;

    public DeleteNode(MetadataStore store, Hosts hosts, Drivers drivers) {
        this.store = store;
        this.hosts = hosts;
        this.drivers = drivers;
    }

    @Override
    public JobType type() {
        return JobType.DELETE_NODE;
    }

    @Override
    public String lockKey(JobRequest.DeleteNode request) {
        return "cluster:" + request.name();
    }

    @Override
    public Plan check(JobRequest.DeleteNode request, JobContext context) {
        Cluster cluster = store.clusters().requireCluster(request.name());
        if (!store.clusters().shards(cluster.name()).contains(request.shardName())) {
            throw ManagerException.notFound("cluster " + cluster.name() + " has no shard " + request.shardName());
        }
        List<Instance> nodes = store.clusters().instances(cluster.name()).stream()
                .filter(instance -> instance.kind() == InstanceKind.STORAGE)
                .filter(instance -> instance.shardName().orElseThrow().equals(request.shardName()))
                .toList();
        Instance node = nodes.stream()
                .filter(instance -> instance.hostaddr().equals(request.node().ip())
                        && instance.port() == request.node().port())
                .findFirst()
                .orElseThrow(() -> ManagerException.notFound(request.shardName() + " of cluster " + cluster.name()
                        + " has no node " + request.node()));
        HaMode mode = cluster.spec().haMode();
        if (nodes.size() - 1 < mode.minNodes()) {
            throw ManagerException.refused(request.shardName() + " of cluster " + cluster.name() + " has "
                    + nodes.size() + (nodes.size() == 1 ? " node" : " nodes") + "; ha_mode " + mode.wireName()
                    + " needs at least " + mode.minNodes());
        }
        return new Plan(cluster, node, nodes.stream().filter(other -> other != node).toList());
    }

    @Override
    public String run(JobRequest.DeleteNode request, Plan plan, JobContext context) {
        Instance node = plan.node();
        boolean primary = node.role().orElseThrow() == Role.PRIMARY;
        int total = primary ? 3 : 2;
        if (plan.cluster().spec().haMode() == HaMode.RBR && primary) {
            context.step("switching " + request.shardName() + " over from " + node.address(), 0, total);
            switchOver(plan, request.shardName());
        }
        context.step("removing " + node.address(), total - 2, total);
        new InstanceRemoval(store, hosts, drivers).removeAll(node.address(), List.of(node), removed -> { });
        if (plan.cluster().spec().haMode() == HaMode.MGR) {
            context.step("waiting for the group to settle", total - 1, total);
            Instance member = plan.others().get(0);
            List<StorageNode> group = plan.others().stream().map(drivers::storageNode).toList();
            ClusterBuilder.naming(request.shardName() + " node ", () -> {
                drivers.storage(member.hostaddr()).awaitGroup(drivers.storageNode(member), group.size());
                for (Instance remaining : plan.others()) {
                    drivers.storage(remaining.hostaddr()).setGroupMembers(drivers.storageNode(remaining), group);
                }
            });
        }
        context.step("removed " + node.address(), total, total);
        return node.address();
    }

    /**
     * The old primary refuses writes, so the replicas can reach its last position; the most
     * advanced replica gets there first (it has the least to apply) and is promoted; the others
     * follow it from where each stands, and every comp of the cluster points its link to the
     * shard at it.
     */
    private void switchOver(Plan plan, String shard) {
        ClusterUsers users = AddNodes.users(store, plan.cluster().name());
        StorageNode oldPrimary = drivers.storageNode(plan.node());
        StorageEngine oldEngine = drivers.storage(plan.node().hostaddr());
        oldEngine.setReadOnly(oldPrimary, true);
        Instance chosen;
        StorageNode newPrimary;
        try {
            GtidPosition last = oldEngine.binlogPosition(oldPrimary);
            chosen = plan.others().stream()
                    .max(Comparator.comparingLong((Instance replica) -> drivers.storage(replica.hostaddr())
                            .appliedPosition(drivers.storageNode(replica)).transactions()))
                    .orElseThrow();
            newPrimary = drivers.storageNode(chosen);
            StorageEngine newEngine = drivers.storage(chosen.hostaddr());
            ClusterBuilder.naming(shard + " node ", () -> {
                newEngine.awaitApplied(newPrimary, last);
                newEngine.promote(newPrimary);
            });
        } catch (RuntimeException e) {
            // Until a replica is promoted, the old primary is still the shard's only one: it takes writes again.
            try {
                oldEngine.setReadOnly(oldPrimary, false);
            } catch (RuntimeException reopen) {
                e.addSuppressed(reopen);
            }
            throw e;
        }
        store.clusters().setRole(chosen.hostaddr(), chosen.port(), Role.PRIMARY);
        store.clusters().setRole(plan.node().hostaddr(), plan.node().port(), Role.REPLICA);
        Parallel.run(plan.others().stream().filter(replica -> replica != chosen).<Runnable>map(replica -> () ->
                ClusterBuilder.naming(shard + " node ", () -> drivers.storage(replica.hostaddr())
                        .repointReplica(drivers.storageNode(replica), newPrimary, users.replication()))).toList());
        ShardTarget target = ShardTarget.primary(shard, newPrimary, users.admin());
        Parallel.run(store.clusters().instances(plan.cluster().name()).stream()
                .filter(instance -> instance.kind() == InstanceKind.COMP)
                .<Runnable>map(comp -> () -> ClusterBuilder.naming(comp.compName().orElseThrow() + " ",
                        () -> ClusterBuilder.shardLinks(drivers, comp, users.admin().user()).repoint(target))).toList());
    }
}
