package io.kunlun.core.ops.topology;

import io.kunlun.core.ops.clusters.ClusterAccounts;
import io.kunlun.core.ops.clusters.ClusterBuilder;
import io.kunlun.core.ops.Drivers;
import io.kunlun.core.ops.Operation;
import io.kunlun.core.ops.PlanDescription;

import io.kunlun.core.ManagerException;
import io.kunlun.core.engines.ClusterUsers;
import io.kunlun.core.engines.ReplicaStatus;
import io.kunlun.core.jobs.JobContext;
import io.kunlun.core.meta.MetadataStore;
import io.kunlun.model.Cluster;
import io.kunlun.model.HaMode;
import io.kunlun.model.Instance;
import io.kunlun.model.InstanceKind;
import io.kunlun.model.Role;
import io.kunlun.model.job.JobRequest;
import io.kunlun.model.job.JobType;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * switchover (extension): a planned change of an rbr shard's primary with no write lost. The
 * primary hands over ({@link PrimaryHandover}, as delete_node's primary does) to the replica the
 * request names, else to the most advanced of the replicas that replicate from it; then the old
 * primary becomes a replica of the new one, read-only, from where its own binary log stands.
 *
 * <p>A job cut off by a manager restart runs again and converges: a recorded primary that takes
 * writes while a node of its shard follows nobody (or the named target already recorded
 * primary) means the handover was recorded, and only the nodes not following it yet are made
 * replicas; otherwise the handover runs again, keeping a replica an earlier run promoted.
 */
public final class Switchover implements Operation<JobRequest.Switchover, Switchover.Plan> {
    /**
     * The shard's recorded primary and its other nodes; the replica to promote when the request
     * named one, else the replicas that replicate from the primary (the most advanced is
     * chosen once the primary refuses writes); whether a resumed run found the handover done.
     */
    public record Plan(Cluster cluster, String shard, Instance primary, List<Instance> replicas,
                       Optional<Instance> target, List<Instance> candidates, boolean handedOver) {
    }

    private final MetadataStore store;
    private final Drivers drivers;
    private final PrimaryHandover handover;

    public Switchover(MetadataStore store, Drivers drivers) {
        this.store = store;
        this.drivers = drivers;
        this.handover = new PrimaryHandover(store, drivers);
    }

    @Override
    public JobType type() {
        return JobType.SWITCHOVER;
    }

    @Override
    public String lockKey(JobRequest.Switchover request) {
        return "cluster:" + request.name();
    }

    /** A handover half done must finish: a restart runs the job again. */
    @Override
    public boolean resumesAfterRestart() {
        return true;
    }

    @Override
    public Plan check(JobRequest.Switchover request, JobContext context) {
        Cluster cluster = store.clusters().requireCluster(request.name());
        String shard = request.shardName();
        String ofCluster = shard + " of cluster " + cluster.name();
        if (!store.clusters().shards(cluster.name()).contains(shard)) {
            throw ManagerException.notFound("cluster " + cluster.name() + " has no shard " + shard);
        }
        if (cluster.spec().haMode() != HaMode.RBR) {
            throw ManagerException.refused("cluster " + cluster.name() + " has ha_mode "
                    + cluster.spec().haMode().wireName() + "; switchover is for rbr shards, whose primary is one node");
        }
        List<Instance> nodes = store.clusters().instances(cluster.name()).stream()
                .filter(instance -> instance.kind() == InstanceKind.STORAGE)
                .filter(instance -> instance.shardName().orElseThrow().equals(shard))
                .toList();
        Instance primary = nodes.stream().filter(node -> node.role().orElse(null) == Role.PRIMARY).findFirst()
                .orElseThrow(() -> ManagerException.refused(ofCluster + " has no recorded primary"));
        List<Instance> replicas = nodes.stream().filter(node -> node != primary).toList();
        Optional<Instance> target = Optional.empty();
        if (request.target().isPresent()) {
            JobRequest.InstanceAddress named = request.target().get();
            target = Optional.of(nodes.stream()
                    .filter(node -> node.hostaddr().equals(named.ip()) && node.port() == named.port()).findFirst()
                    .orElseThrow(() -> ManagerException.notFound(ofCluster + " has no node " + named)));
        }
        if (context.resumed()) {
            boolean handedOver = handover.writable(primary) && (target.map(primary::equals).orElse(false)
                    || replicas.stream().anyMatch(node -> !follows(node, primary)));
            return new Plan(cluster, shard, primary, replicas, target.filter(chosen -> chosen != primary),
                    replicas, handedOver);
        }
        if (target.filter(primary::equals).isPresent()) {
            throw ManagerException.refused(primary.address() + " is already the primary of " + ofCluster);
        }
        if (replicas.isEmpty()) {
            throw ManagerException.refused(ofCluster + " has no replica to switch over to");
        }
        if (!drivers.answers(primary)) {
            throw ManagerException.refused(ofCluster + ": its primary " + primary.address()
                    + " does not answer; a switchover needs its running primary");
        }
        if (target.isPresent()) {
            requireReplicating(shard, target.get(), primary);
        }
        List<Instance> candidates = replicas.stream().filter(replica -> follows(replica, primary)).toList();
        if (candidates.isEmpty()) {
            throw ManagerException.refused(ofCluster + " has no replica that replicates from its primary "
                    + primary.address());
        }
        // The target, when named, is the very element of replicas: the handover tells nodes apart by identity.
        return new Plan(cluster, shard, primary, replicas, target, candidates, false);
    }

    @Override
    public Map<String, Object> describe(Plan plan) {
        Map<String, Object> described = new LinkedHashMap<>();
        described.put("primary", PlanDescription.instance(plan.primary()));
        described.put("promoting", plan.target().map(PlanDescription::instance)
                .orElse(Map.of("most_advanced_of", PlanDescription.instances(plan.candidates()))));
        return described;
    }

    @Override
    public String run(JobRequest.Switchover request, Plan plan, JobContext context) {
        int total = 2;
        Instance newPrimary = plan.handedOver() ? plan.primary()
                : handover.handOver(plan.cluster(), plan.shard(), plan.primary(), plan.replicas(),
                        replicas -> plan.target().orElseGet(() -> handover.mostAdvanced(plan.candidates())),
                        context, total);
        context.step("making the old primary a replica of " + newPrimary.address(), 1, total);
        ClusterUsers users = ClusterAccounts.ofCluster(store.clusters(), plan.cluster().name());
        List<Instance> shardNodes = new ArrayList<>(plan.replicas());
        shardNodes.add(plan.primary());
        for (Instance node : shardNodes) {
            if (node != newPrimary && !follows(node, newPrimary)) {
                ClusterBuilder.naming(plan.shard() + " node ", () -> drivers.storage(node.hostaddr())
                        .demote(drivers.storageNode(node), drivers.storageNode(newPrimary), users.replication()));
            }
        }
        context.step("switched over", total, total);
        return newPrimary.address() + " is the primary of " + plan.shard();
    }

    private void requireReplicating(String shard, Instance replica, Instance primary) {
        ReplicaStatus status = drivers.storage(replica.hostaddr()).replicaStatus(drivers.storageNode(replica));
        if (!follows(status, primary)) {
            String why = !status.running()
                    ? (status.lastError().isEmpty() ? "its replication is stopped" : status.lastError())
                    : "it replicates from " + status.primaryHost() + ":" + status.primaryPort();
            throw ManagerException.refused(shard + " node " + replica.address() + " does not replicate from the"
                    + " primary " + primary.address() + " (" + why + "); it is not promoted");
        }
    }

    /** Whether the node's both replication threads run, from the primary. A node that does not answer does not. */
    private boolean follows(Instance node, Instance primary) {
        try {
            return follows(drivers.storage(node.hostaddr()).replicaStatus(drivers.storageNode(node)), primary);
        } catch (ManagerException unreachable) {
            return false;
        }
    }

    private static boolean follows(ReplicaStatus status, Instance primary) {
        return status.running() && status.primaryHost().equals(primary.hostaddr())
                && status.primaryPort() == primary.port();
    }
}
