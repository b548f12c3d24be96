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
import java.util.Map;
import java.util.Optional;

/**
 * delete_node: removes one node of a shard, never below the ha_mode's minimum. An rbr primary
 * hands over first: it stops taking writes, the most advanced replica catches up with it and
 * becomes the primary, the other replicas and every comp follow the new primary, and only then
 * does the metadata record the new roles and is the old primary removed. A Galera member simply
 * leaves: the group shrinks by one, and the remaining members' configurations stop naming it.
 * Before the removal, the node's machine, if no other instance of the cluster is there, is let out
 * of the others ({@link NetworkGrants#revokeDeparting}).
 *
 * <p>A job cut off by a manager restart runs again from the start, and every step converges: a
 * node already read-only, a replica already promoted (it is chosen again: it may have taken
 * writes), replicas and comps already following it, an instance already removed, a node already
 * forgotten (then only the group's configuration is settled).
 */
public final class DeleteNode implements Operation<JobRequest.DeleteNode, DeleteNode.Plan> {
    /** The node to delete, empty when a resumed job had forgotten it already, and the other nodes of its shard. */
    public record Plan(Cluster cluster, Optional<Instance> node, List<Instance> others) {
    }

    private final MetadataStore store;
    private final Drivers drivers;
    private final NetworkGrants grants;
    private final InstanceRemoval removal;

    public DeleteNode(MetadataStore store, Hosts hosts, Drivers drivers, UpdatePrometheus prometheus) {
        this.store = store;
        this.drivers = drivers;
        this.grants = new NetworkGrants(drivers);
        this.removal = new InstanceRemoval(store, hosts, drivers, prometheus);
    }

    @Override
    public JobType type() {
        return JobType.DELETE_NODE;
    }

    @Override
    public String lockKey(JobRequest.DeleteNode request) {
        return "cluster:" + request.name();
    }

    /** What a node's removal destroyed cannot come back: a job cut off by a restart finishes. */
    @Override
    public boolean resumesAfterRestart() {
        return true;
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
        Optional<Instance> found = nodes.stream()
                .filter(instance -> instance.hostaddr().equals(request.node().ip())
                        && instance.port() == request.node().port())
                .findFirst();
        if (found.isEmpty()) {
            if (context.resumed()) {
                return new Plan(cluster, found, nodes);
            }
            throw ManagerException.notFound(request.shardName() + " of cluster " + cluster.name()
                    + " has no node " + request.node());
        }
        HaMode mode = cluster.spec().haMode();
        if (nodes.size() - 1 < mode.minNodes()) {
            throw ManagerException.refused(request.shardName() + " of cluster " + cluster.name() + " has "
                    + nodes.size() + (nodes.size() == 1 ? " node" : " nodes") + "; ha_mode " + mode.wireName()
                    + " needs at least " + mode.minNodes());
        }
        Instance node = found.get();
        grants.requireRevocable(store.clusters(), cluster.name(), List.of(node));
        return new Plan(cluster, found, nodes.stream().filter(other -> other != node).toList());
    }

    @Override
    public Map<String, Object> describe(Plan plan) {
        return PlanDescription.removing(plan.node().stream().toList());
    }

    @Override
    public String run(JobRequest.DeleteNode request, Plan plan, JobContext context) {
        String address = request.node().toString();
        // A switchover records the new roles before the removal starts: a node still recorded
        // as the primary has not handed over yet, in a first run as in a resumed one.
        boolean switchOver = plan.node().isPresent() && plan.cluster().spec().haMode() == HaMode.RBR
                && plan.node().get().role().orElseThrow() == Role.PRIMARY;
        int total = switchOver ? 3 : 2;
        if (switchOver) {
            switchOver(plan, plan.node().get(), request.shardName(), context, total);
        }
        if (plan.node().isPresent()) {
            context.step("removing " + address, total - 2, total);
            grants.revokeDeparting(store.clusters(), plan.cluster().name(), List.of(plan.node().get()));
            removal.removeAll(address, List.of(plan.node().get()), removed -> { });
        }
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
        context.step("removed " + address, total, total);
        return address;
    }

    /**
     * The old primary refuses writes, so the replicas can reach its last position. A replica that
     * takes writes was promoted by an earlier run of this job and stays the new primary;
     * otherwise the most advanced replica gets there first (it has the least to apply) and is
     * promoted. The others follow it from where each stands, every comp of the cluster points
     * its link to the shard at it, and only then does the metadata tell the new roles, so that a
     * run cut off at any point has the roles it started from and runs the whole switchover again.
     */
    private void switchOver(Plan plan, Instance node, String shard, JobContext context, int total) {
        String from = "switching " + shard + " over from " + node.address() + ": ";
        ClusterUsers users = ClusterAccounts.ofCluster(store.clusters(), plan.cluster().name());
        StorageNode oldPrimary = drivers.storageNode(node);
        StorageEngine oldEngine = drivers.storage(node.hostaddr());
        context.step(from + "refusing writes", 0, total);
        oldEngine.setReadOnly(oldPrimary, true);
        Instance chosen;
        StorageNode newPrimary;
        try {
            GtidPosition last = oldEngine.binlogPosition(oldPrimary);
            chosen = plan.others().stream().filter(this::writable).findFirst()
                    .orElseGet(() -> mostAdvanced(plan.others()));
            newPrimary = drivers.storageNode(chosen);
            StorageEngine newEngine = drivers.storage(chosen.hostaddr());
            context.step(from + "promoting " + chosen.address(), 0, total);
            ClusterBuilder.naming(shard + " node ", () -> {
                newEngine.awaitApplied(newPrimary, last);
                newEngine.promote(newPrimary);
            });
        } catch (RuntimeException e) {
            // While no replica takes writes, the old primary is still the shard's only one: it takes writes again.
            try {
                if (plan.others().stream().noneMatch(this::writable)) {
                    oldEngine.setReadOnly(oldPrimary, false);
                }
            } catch (RuntimeException reopen) {
                e.addSuppressed(reopen);
            }
            throw e;
        }
        context.step(from + "re-pointing the replicas to " + chosen.address(), 0, total);
        Parallel.run(plan.others().stream().filter(replica -> replica != chosen).<Runnable>map(replica -> () ->
                ClusterBuilder.naming(shard + " node ", () -> drivers.storage(replica.hostaddr())
                        .repointReplica(drivers.storageNode(replica), newPrimary, users.replication()))).toList());
        context.step(from + "re-pointing the comps to " + chosen.address(), 0, total);
        ShardTarget target = ShardTarget.primary(shard, newPrimary, users.admin());
        Parallel.run(store.clusters().instances(plan.cluster().name()).stream()
                .filter(instance -> instance.kind() == InstanceKind.COMP)
                .<Runnable>map(comp -> () -> ClusterBuilder.naming(comp.compName().orElseThrow() + " ",
                        () -> ClusterBuilder.shardLinks(drivers, comp, users.admin().user()).repoint(target))).toList());
        store.clusters().setRole(chosen.hostaddr(), chosen.port(), Role.PRIMARY);
        store.clusters().setRole(node.hostaddr(), node.port(), Role.REPLICA);
    }

    private Instance mostAdvanced(List<Instance> replicas) {
        return replicas.stream()
                .max(Comparator.comparingLong((Instance replica) -> drivers.storage(replica.hostaddr())
                        .appliedPosition(drivers.storageNode(replica)).transactions()))
                .orElseThrow();
    }

    /**
     * Whether the node takes writes: a replica whose promotion finished (read_only is lifted
     * last). A node that does not answer takes none.
     */
    private boolean writable(Instance node) {
        try {
            return "OFF".equals(drivers.storage(node.hostaddr()).variable(drivers.storageNode(node), "read_only"));
        } catch (ManagerException unreachable) {
            return false;
        }
    }
}
