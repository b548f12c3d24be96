package io.kunlun.core.ops.clusters;

import io.kunlun.core.ops.Drivers;
import io.kunlun.core.ops.Parallel;
import io.kunlun.core.ops.instances.RemoveInstance;

import io.kunlun.core.ManagerException;
import io.kunlun.core.engines.ClusterUsers;
import io.kunlun.core.engines.ComputeInstall;
import io.kunlun.core.engines.ComputeSettings;
import io.kunlun.core.engines.GtidPosition;
import io.kunlun.core.engines.ReplicationMode;
import io.kunlun.core.engines.ShardLinks;
import io.kunlun.core.engines.ShardTarget;
import io.kunlun.core.engines.StorageEngine;
import io.kunlun.core.engines.StorageInstall;
import io.kunlun.core.engines.StorageNode;
import io.kunlun.core.engines.StorageSettings;
import io.kunlun.core.jobs.JobContext;
import io.kunlun.core.meta.MetadataStore;
import io.kunlun.model.ClusterSpec;
import io.kunlun.model.HaMode;
import io.kunlun.model.Instance;
import io.kunlun.model.InstanceKind;
import io.kunlun.model.InstanceStatus;
import io.kunlun.model.Role;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.zip.CRC32;

/**
 * Makes a {@link BuildPlan} real, for a new cluster or one that grows: registers each instance
 * (after recording how to remove it), installs the storage nodes of all new shards at once, joins
 * them per the cluster's ha_mode, installs the new comps and links every comp to every shard; the
 * job's run then completes by marking everything active ({@link #complete}). Any failure before
 * propagates; the job engine then replays the undo records, which removes whatever was installed
 * and unlinks the new shards from the comps that were there.
 */
public final class ClusterBuilder {
    /** The database clients use on every comp. */
    public static final String CLIENT_DATABASE = "kunlun";
    private static final int COMP_SHARED_BUFFERS_MB = 128;

    private final MetadataStore store;
    private final Drivers drivers;

    public ClusterBuilder(MetadataStore store, Drivers drivers) {
        this.store = store;
        this.drivers = drivers;
    }

    /** Steps {@link #build} and {@link #complete} report, for the job's progress total. */
    public static int steps(BuildPlan plan) {
        return plan.storageNodes().size() * 2 + plan.comps().size() + 1;
    }

    /**
     * @param existing the cluster's instances before this job, none for a new cluster: its comps
     *                 get links to the new shards, the new comps links to its shards too
     */
    public void build(BuildPlan plan, List<Instance> existing, ClusterUsers users, JobContext context, int stepsBefore,
               int stepsTotal) {
        AtomicInteger done = new AtomicInteger(stepsBefore);
        register(plan, context);
        context.step("installing " + plan.storageNodes().size() + " storage nodes", done.get(), stepsTotal);
        installStorage(plan, users, context.jobId(),
                () -> context.step("installed storage node", done.incrementAndGet(), stepsTotal));
        context.step("joining replicas", done.get(), stepsTotal);
        joinReplicas(plan, users);
        done.addAndGet(plan.storageNodes().size());
        context.step("installing " + plan.comps().size() + " comps", done.get(), stepsTotal);
        installComps(plan, users, context, done, stepsTotal);
        context.step("linking comps to shards", done.get(), stepsTotal);
        linkCompsToShards(plan, existing, users, context);
    }

    /**
     * Completes the job's run once its plan is built: every planned instance marked active, in
     * the transaction that records the run complete with {@code info} ({@link JobContext#complete}),
     * then the last step reported. Answers {@code info}.
     */
    public String complete(BuildPlan plan, String info, JobContext context, int stepsTotal) {
        String completed = context.complete(info, () -> markActive(plan));
        context.step("registered", stepsTotal, stepsTotal);
        return completed;
    }

    /** Registers every planned instance, as creating, after recording how to remove it. */
    public void register(BuildPlan plan, JobContext context) {
        for (Instance instance : plan.all()) {
            RemoveInstance.register(store, drivers.osAccounts(), context, instance);
        }
    }

    /** Marks every planned instance active: the last write of a run that builds, see {@link JobContext#complete}. */
    public void markActive(BuildPlan plan) {
        for (Instance instance : plan.all()) {
            store.clusters().setStatus(instance.hostaddr(), instance.port(), InstanceStatus.ACTIVE);
        }
    }

    /**
     * Installs the planned comps at once, each with the cluster's accounts and its client
     * database, not linked to any shard yet.
     * Counts each one in {@code done}, the job's steps done.
     */
    public void installComps(BuildPlan plan, ClusterUsers users, JobContext context, AtomicInteger done, int stepsTotal) {
        Parallel.run(plan.comps().stream().<Runnable>map(comp -> () -> {
            naming(comp.compName().orElseThrow() + " ", () -> drivers.compute(comp.hostaddr()).install(
                    new ComputeInstall(drivers.computeNode(comp), new ComputeSettings(
                            Math.max(10, plan.spec().maxConnections()), COMP_SHARED_BUFFERS_MB, CLIENT_DATABASE),
                            users, context.jobId())));
            context.step("installed comp " + comp.compName().orElseThrow(), done.incrementAndGet(), stepsTotal);
        }).toList());
    }

    /**
     * Every shard's nodes at once, except in a group (mgr): there the first member bootstraps the
     * group and the others join it one after the other, each receiving a state transfer.
     */
    private void installStorage(BuildPlan plan, ClusterUsers users, String jobId, Runnable installed) {
        List<Runnable> installs = new ArrayList<>();
        for (BuildPlan.Shard shard : plan.shards()) {
            List<Runnable> nodeInstalls = new ArrayList<>();
            for (Instance node : shard.nodes()) {
                nodeInstalls.add(() -> {
                    naming(shard.name() + " node ", () -> drivers.storage(node.hostaddr()).install(
                            storageInstall(plan, shard, node, users, jobId)));
                    installed.run();
                });
            }
            if (plan.spec().haMode() == HaMode.MGR) {
                installs.add(() -> nodeInstalls.forEach(Runnable::run));
            } else {
                installs.addAll(nodeInstalls);
            }
        }
        Parallel.run(installs);
    }

    /**
     * Every comp reaches every shard through a foreign server named after the shard, pointing at
     * its primary, logged in as the cluster's admin: the new comps all shards, the comps that were
     * there the new shards (each such link recorded first, for the undo to drop it).
     */
    public void linkCompsToShards(BuildPlan plan, List<Instance> existing, ClusterUsers users,
                                   JobContext context) {
        List<ShardTarget> newShards = plan.shards().stream()
                .map(shard -> target(shard.name(), shard.primary(), users)).toList();
        Map<String, ShardTarget> existingShards = new LinkedHashMap<>();
        existing.stream().filter(instance -> instance.role().orElse(null) == Role.PRIMARY)
                .forEach(primary -> existingShards.putIfAbsent(primary.shardName().orElseThrow(),
                        target(primary.shardName().orElseThrow(), primary, users)));
        List<ShardTarget> allShards = new ArrayList<>(existingShards.values());
        allShards.addAll(newShards);

        List<Runnable> links = new ArrayList<>();
        plan.comps().forEach(comp -> links.add(() -> link(comp, allShards, users)));
        for (Instance comp : existing) {
            if (comp.kind() == InstanceKind.COMP && !newShards.isEmpty()) {
                newShards.forEach(shard -> context.willDo(UnlinkShard.NAME,
                        new UnlinkShard.Link(comp, shard.name(), users.admin().user())));
                links.add(() -> link(comp, newShards, users));
            }
        }
        Parallel.run(links);
    }

    /**
     * Links each of the comps to every shard, at once: a shard's foreign server points at its
     * primary ({@code primaries}, by shard name), its user mapping holds the cluster's admin.
     * Converges whatever the comp held before.
     */
    public void linkComps(List<Instance> comps, Map<String, Instance> primaries, ClusterUsers users) {
        List<ShardTarget> shards = primaries.entrySet().stream()
                .map(primary -> target(primary.getKey(), primary.getValue(), users)).toList();
        Parallel.run(comps.stream().<Runnable>map(comp -> () -> link(comp, shards, users)).toList());
    }

    private void link(Instance comp, List<ShardTarget> shards, ClusterUsers users) {
        naming(comp.compName().orElseThrow() + " ", () -> {
            ShardLinks links = shardLinks(drivers, comp, users.admin().user());
            shards.forEach(links::add);
        });
    }

    private ShardTarget target(String shardName, Instance primary, ClusterUsers users) {
        return ShardTarget.primary(shardName, drivers.storageNode(primary), users.admin());
    }

    /** The links of a comp's client database to shards, mapped for the cluster's admin account. */
    public static ShardLinks shardLinks(Drivers drivers, Instance comp, String adminUser) {
        return new ShardLinks(drivers.compute(comp.hostaddr()), drivers.computeNode(comp), CLIENT_DATABASE, adminUser);
    }

    /** rbr replicas start following their primary; group members wait for the whole group. */
    private void joinReplicas(BuildPlan plan, ClusterUsers users) {
        if (plan.spec().haMode() == HaMode.MGR) {
            Parallel.run(plan.shards().stream().<Runnable>map(shard -> () -> naming(shard.name() + " node ",
                    () -> drivers.storage(shard.primary().hostaddr()).awaitGroup(
                            drivers.storageNode(shard.primary()), shard.nodes().size()))).toList());
            return;
        }
        if (plan.spec().haMode() != HaMode.RBR) {
            return;
        }
        List<Runnable> attaches = new ArrayList<>();
        for (BuildPlan.Shard shard : plan.shards()) {
            StorageNode primary = drivers.storageNode(shard.primary());
            for (Instance replica : shard.nodes().subList(1, shard.nodes().size())) {
                attaches.add(() -> naming(shard.name() + " node ", () -> drivers.storage(replica.hostaddr())
                        .attachReplica(drivers.storageNode(replica), primary, users.replication())));
            }
        }
        Parallel.run(attaches);
    }

    /**
     * What installs one planned storage node: its settings from the cluster's spec, its part in
     * the shard's replication (the shard's first node is the primary, or bootstraps the group).
     */
    public StorageInstall storageInstall(BuildPlan plan, BuildPlan.Shard shard, Instance node, ClusterUsers users,
                                  String jobId) {
        List<StorageNode> members = shard.nodes().stream().map(drivers::storageNode).toList();
        return new StorageInstall(drivers.storageNode(node), settings(plan.spec(), node),
                mode(plan, shard, members, node), users, jobId);
    }

    /**
     * Installs an rbr replica with a physical backup of its shard's primary, taken now, and makes
     * it replicate from the backup's position on.
     */
    public void seedReplica(ClusterSpec spec, Instance node, StorageNode primary, ClusterUsers users, String jobId) {
        StorageEngine engine = drivers.storage(node.hostaddr());
        StorageNode target = drivers.storageNode(node);
        GtidPosition position = engine.seed(new StorageInstall(target, settings(spec, node),
                ReplicationMode.rbrReplica(), users, jobId), primary);
        engine.attachReplica(target, primary, users.replication(), position);
    }

    /**
     * Rebuilds an installed rbr replica from a physical backup of its shard's primary taken now
     * (its own data is gone), and makes it replicate from the backup's position on.
     */
    public void reseedReplica(Instance node, StorageNode primary, ClusterUsers users) {
        StorageEngine engine = drivers.storage(node.hostaddr());
        StorageNode target = drivers.storageNode(node);
        engine.attachReplica(target, primary, users.replication(), engine.reseedInPlace(target, primary));
    }

    private static ReplicationMode mode(BuildPlan plan, BuildPlan.Shard shard, List<StorageNode> members,
                                        Instance node) {
        boolean first = node.role().orElseThrow() == Role.PRIMARY;
        return switch (plan.spec().haMode()) {
            case NO_REP -> ReplicationMode.standalone();
            case RBR -> first ? ReplicationMode.rbrPrimary() : ReplicationMode.rbrReplica();
            case MGR -> first ? ReplicationMode.groupBootstrap(groupName(plan, shard), members)
                              : ReplicationMode.groupJoiner(groupName(plan, shard), members);
        };
    }

    /** Galera's cluster name for one shard: unique to the shard, at most 64 characters. */
    private static String groupName(BuildPlan plan, BuildPlan.Shard shard) {
        return groupName(plan.clusterName(), shard.name());
    }

    public static String groupName(String clusterName, String shardName) {
        String name = shardName + "." + clusterName;
        return name.length() <= 64 ? name : name.substring(0, 64);
    }

    public static StorageSettings settings(ClusterSpec spec, Instance node) {
        return new StorageSettings(serverId(node), spec.innodbSizeGb() * 1024, Math.max(10, spec.maxConnections()));
    }

    /** Distinct for every instance address, which is all replication needs of it. */
    private static long serverId(Instance node) {
        CRC32 crc = new CRC32();
        crc.update(node.address().getBytes(StandardCharsets.UTF_8));
        return Math.max(1, crc.getValue());
    }

    /** Prefixes a failure with the instance's place in the cluster: {@code shard2 node 127.0.0.3:57333: ...}. */
    public static void naming(String prefix, Runnable step) {
        naming(prefix, () -> {
            step.run();
            return null;
        });
    }

    /** As {@link #naming(String, Runnable)}, for a step that answers something. */
    public static <T> T naming(String prefix, Supplier<T> step) {
        try {
            return step.get();
        } catch (ManagerException e) {
            throw new ManagerException(e.code(), prefix + e.getMessage(), e);
        }
    }
}
