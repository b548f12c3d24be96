package io.kunlun.core.ops.topology;

import io.kunlun.core.ops.clusters.ClusterBuilder;
import io.kunlun.core.ops.Drivers;
import io.kunlun.core.ops.instances.InstanceRemoval;
import io.kunlun.core.ops.Operation;
import io.kunlun.core.ops.PlanDescription;
import io.kunlun.core.ops.monitoring.UpdatePrometheus;

import io.kunlun.core.ManagerException;
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

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * delete_node: removes one node of a shard, never below the ha_mode's minimum. An rbr primary
 * hands over first ({@link PrimaryHandover}): it stops taking writes, the most advanced replica
 * catches up with it and becomes the primary, the other replicas and every comp follow the new
 * primary, and only then does the metadata record the new roles and is the old primary removed. A Galera member simply
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
    private final PrimaryHandover handover;

    public DeleteNode(MetadataStore store, Hosts hosts, Drivers drivers, UpdatePrometheus prometheus) {
        this.store = store;
        this.drivers = drivers;
        this.grants = new NetworkGrants(drivers);
        this.removal = new InstanceRemoval(store, hosts, drivers, prometheus);
        this.handover = new PrimaryHandover(store, drivers);
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
            handover.handOver(plan.cluster(), request.shardName(), plan.node().get(), plan.others(),
                    handover::mostAdvanced, context, total);
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
}
