package io.kunlun.core.ops.topology;

import io.kunlun.core.ops.clusters.ClusterAccounts;
import io.kunlun.core.ops.clusters.ClusterBuilder;
import io.kunlun.core.ops.Drivers;
import io.kunlun.core.ops.instances.InstancePlanning;
import io.kunlun.core.ops.Operation;
import io.kunlun.core.ops.Parallel;
import io.kunlun.core.ops.PlanDescription;
import io.kunlun.core.ops.instances.RemoveInstance;

import io.kunlun.core.ManagerException;
import io.kunlun.core.engines.ClusterUsers;
import io.kunlun.core.engines.ReplicationMode;
import io.kunlun.core.engines.StorageEngine;
import io.kunlun.core.engines.StorageInstall;
import io.kunlun.core.engines.StorageNode;
import io.kunlun.core.hosts.Hosts;
import io.kunlun.core.jobs.JobContext;
import io.kunlun.core.meta.MetadataStore;
import io.kunlun.model.Cluster;
import io.kunlun.model.HaMode;
import io.kunlun.model.Instance;
import io.kunlun.model.InstanceKind;
import io.kunlun.model.InstanceStatus;
import io.kunlun.model.Role;
import io.kunlun.model.job.JobRequest;
import io.kunlun.model.job.JobType;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * add_nodes: new replicas for one shard, or for every shard. Each is placed by the rules of
 * create_cluster (never next to a node of its shard) and joined with its data: in an rbr shard
 * it is seeded from a physical backup of the primary streamed to its machine, then replicates
 * from the backup's GTID position on; in a Galera shard it joins the group, whose state transfer
 * brings it the data, and every member's configuration then names the new one too (where to
 * look for the group on a restart). Shards are served at once, a shard's new nodes one after the other.
 * Comps are unaffected: they reach the primaries only.
 */
public final class AddNodes implements Operation<JobRequest.AddNodes, AddNodes.Plan> {
    /** The cluster as it was checked, each served shard's current nodes, and the new ones. */
    public record Plan(Cluster cluster, Map<String, List<Instance>> current, Map<String, List<Instance>> added) {
        List<Instance> all() {
            return added.values().stream().flatMap(List::stream).toList();
        }
    }

    private final MetadataStore store;
    private final Hosts hosts;
    private final Drivers drivers;

    public AddNodes(MetadataStore store, Hosts hosts, Drivers drivers) {
        this.store = store;
        this.hosts = hosts;
        this.drivers = drivers;
    }

    @Override
    public JobType type() {
        return JobType.ADD_NODES;
    }

    @Override
    public String lockKey(JobRequest.AddNodes request) {
        return "cluster:" + request.name();
    }

    @Override
    public Plan check(JobRequest.AddNodes request, JobContext context) {
        Cluster cluster = store.clusters().requireCluster(request.name());
        HaMode mode = cluster.spec().haMode();
        if (mode == HaMode.NO_REP) {
            throw ManagerException.refused("cluster " + cluster.name() + " has ha_mode no_rep, which keeps "
                    + "exactly one node per shard");
        }
        Map<String, List<Instance>> current = shardNodes(cluster.name());
        if (request.shardName().isPresent()) {
            String shard = request.shardName().get();
            if (!current.containsKey(shard)) {
                throw ManagerException.notFound("cluster " + cluster.name() + " has no shard " + shard);
            }
            current = Map.of(shard, current.get(shard));
        }
        current.forEach((shard, nodes) -> {
            if (nodes.size() + request.nodes() > mode.maxNodes()) {
                throw ManagerException.refused(shard + " of cluster " + cluster.name() + " has " + nodes.size()
                        + " nodes; ha_mode " + mode.wireName() + " allows at most " + mode.maxNodes());
            }
        });
        current.forEach((shard, nodes) -> requireSource(cluster, shard, nodes));
        context.step("planning " + request.nodes() + " nodes per shard", 0, 1);
        Map<String, List<Instance>> added = new InstancePlanning(store, hosts, drivers).planNodes(cluster.name(),
                cluster.spec(), current, request.nodes(), request.machineList());
        return new Plan(cluster, current, added);
    }

    @Override
    public Map<String, Object> describe(Plan plan) {
        return PlanDescription.adding(plan.cluster().name(), plan.all());
    }

    @Override
    public String run(JobRequest.AddNodes request, Plan plan, JobContext context) {
        List<Instance> all = plan.all();
        int total = all.size() + 3;
        AtomicInteger done = new AtomicInteger();
        String clusterName = plan.cluster().name();
        List<Instance> existing = store.clusters().instances(clusterName);
        List<Instance> everything = new ArrayList<>(existing);
        everything.addAll(all);
        ClusterUsers users = ClusterAccounts.users(store.clusters().credentials(clusterName).values(), everything);
        // Before the seeds: the backup a node is seeded from then lets its machine in too.
        context.step("allowing the new nodes' machines on the cluster's instances", 0, total);
        new NetworkGrants(drivers).allowNew(existing, all, users, context);
        context.step("registering " + all.size() + " nodes", done.incrementAndGet(), total);
        for (Instance instance : all) {
            RemoveInstance.register(store, drivers.osAccounts(), context, instance);
        }
        context.step("seeding " + all.size() + " nodes", done.incrementAndGet(), total);
        Parallel.run(plan.added().entrySet().stream().<Runnable>map(shard -> () -> {
            List<Instance> members = new ArrayList<>(plan.current().get(shard.getKey()));
            for (Instance node : shard.getValue()) {
                ClusterBuilder.naming(shard.getKey() + " node ",
                        () -> join(plan, users, shard.getKey(), members, node, context.jobId()));
                members.add(node);
                context.step("joined " + node.address(), done.incrementAndGet(), total);
            }
        }).toList());
        String info = context.complete(all.stream().map(Instance::address).collect(Collectors.joining(";")), () -> {
            for (Instance instance : all) {
                store.clusters().setStatus(instance.hostaddr(), instance.port(), InstanceStatus.ACTIVE);
            }
        });
        context.step("registered", total, total);
        return info;
    }

    /**
     * A new node gets its data from a running member: in rbr the primary, which it is seeded from
     * and then replicates from; in Galera any active member, which the group picks as the donor.
     */
    static void requireSource(Cluster cluster, String shard, List<Instance> nodes) {
        if (cluster.spec().haMode() == HaMode.RBR) {
            Instance primary = nodes.stream().filter(node -> node.role().orElseThrow() == Role.PRIMARY).findFirst()
                    .orElseThrow(() -> ManagerException.conflict(shard + " of cluster " + cluster.name()
                            + " has no primary"));
            if (primary.status() != InstanceStatus.ACTIVE) {
                throw ManagerException.refused(shard + " primary " + primary.address() + " is "
                        + primary.status().wireName() + "; a new node is seeded from it and replicates from it");
            }
        } else if (nodes.stream().noneMatch(node -> node.status() == InstanceStatus.ACTIVE)) {
            throw ManagerException.refused(shard + " of cluster " + cluster.name()
                    + " has no active node for a new node to join");
        }
    }

    /** Installs one new node of the shard with its data and joins it to the shard's replication. */
    private void join(Plan plan, ClusterUsers users, String shard, List<Instance> members, Instance node,
                      String jobId) {
        StorageEngine engine = drivers.storage(node.hostaddr());
        StorageNode target = drivers.storageNode(node);
        switch (plan.cluster().spec().haMode()) {
            case RBR -> new ClusterBuilder(store, drivers).seedReplica(plan.cluster().spec(), node,
                    drivers.storageNode(members.stream().filter(member -> member.role().orElseThrow() == Role.PRIMARY)
                            .findFirst().orElseThrow()), users, jobId);
            case MGR -> {
                List<StorageNode> group = new ArrayList<>(members.stream().map(drivers::storageNode).toList());
                group.add(target);
                engine.install(new StorageInstall(target, ClusterBuilder.settings(plan.cluster().spec(), node),
                        ReplicationMode.groupJoiner(ClusterBuilder.groupName(plan.cluster().name(), shard), group),
                        users, jobId));
                engine.awaitGroup(drivers.storageNode(members.get(0)), group.size());
                for (Instance member : members) {
                    drivers.storage(member.hostaddr()).setGroupMembers(drivers.storageNode(member), group);
                }
            }
            case NO_REP -> throw new IllegalStateException("check refuses no_rep");
        }
    }

    /** The cluster's storage nodes by shard, every shard present even when it has none. */
    private Map<String, List<Instance>> shardNodes(String clusterName) {
        Map<String, List<Instance>> shards = new LinkedHashMap<>();
        store.clusters().shards(clusterName).forEach(shard -> shards.put(shard, new ArrayList<>()));
        store.clusters().instances(clusterName).stream().filter(instance -> instance.kind() == InstanceKind.STORAGE)
                .forEach(instance -> shards.computeIfAbsent(instance.shardName().orElseThrow(),
                        shard -> new ArrayList<>()).add(instance));
        return shards;
    }
}
