package io.kunlun.core.ops.backup;

import io.kunlun.core.ops.clusters.ClusterAccounts;
import io.kunlun.core.ops.clusters.ClusterBuilder;
import io.kunlun.core.ops.Drivers;
import io.kunlun.core.ops.Operation;
import io.kunlun.core.ops.Parallel;
import io.kunlun.core.ops.PlanDescription;

import io.kunlun.core.ManagerException;
import io.kunlun.core.backup.BackupManifest;
import io.kunlun.core.backup.BackupStore;
import io.kunlun.core.backup.DirectoryBackupStore;
import io.kunlun.core.backup.binlog.BinlogArchive;
import io.kunlun.core.backup.binlog.BinlogArchiving;
import io.kunlun.core.engines.ClusterUsers;
import io.kunlun.core.engines.GtidPosition;
import io.kunlun.core.engines.StorageEngine;
import io.kunlun.core.engines.StorageNode;
import io.kunlun.core.hosts.Command;
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

import java.time.Instant;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * restore_cluster: an existing cluster's data replaced, on every node, with what a backup of a
 * cluster (itself or another) held at {@code timestamp}; refused unless the manager's
 * configuration sets {@code backup.allow_restore_in_place}. The backup is chosen and checked as
 * restore_new_cluster chooses it, and the target must have the backup's shards (names and
 * number) and ha_mode, every instance active, and room in the store for a copy of its data.
 *
 * <p>First, with nothing overwritten yet, every shard's primary is copied into the store as a
 * backup is ({@link ClusterCopy}), with the comps' schemas, under
 * {@code <store>/<cluster>/replaced/<id>/}: what an operator puts back by hand after a mistaken
 * restore. A failure up to here leaves the cluster as it was and deletes the partial copy. Then
 * all shards at once: the shard's nodes are marked stopped, its archiver stopped, its nodes
 * stopped; its primary's data is replaced with the backup's copy of the shard, streamed from the
 * store, its accounts with the target's recorded ones, and it starts again (a Galera shard's
 * primary as a new group); the archived binlogs are replayed onto it up to the point in time,
 * after which the shard's archive (the replaced history) moves into the kept copy and the
 * restored primary is archived afresh; its other nodes are rebuilt from it (rbr: seeded from a
 * backup of it, replicating from there; Galera: rejoining by a full state transfer), each marked
 * active when it runs again. Last, every comp's client database is dropped and made again from
 * the backup's schema, and linked to the shards' primaries.
 *
 * <p>Once overwriting began nothing is given back automatically: the old data exists only in
 * the kept-aside copy, and putting it back is the same kind of operation that just failed. A
 * failure then ends the job failed, with the nodes not restored yet left stopped (and marked so),
 * and names the kept-aside copy, which is never deleted by the manager.
 */
public final class RestoreCluster implements Operation<JobRequest.RestoreCluster, RestoreCluster.Plan> {
    /** The configuration setting that switches restore_cluster on. */
    static final String SWITCH = "backup.allow_restore_in_place";

    /**
     * The target, the backup restored and the point in time, the target's storage nodes by
     * shard (primary first) and its comps, and what is kept aside.
     */
    public record Plan(Cluster cluster, StoredBackupRestore.Choice choice, LocalDateTime pointInTime,
                       Map<String, List<Instance>> shards, List<Instance> comps, ClusterCopy.Sources keptAside) {
        BackupManifest backup() {
            return choice.backup();
        }

        Map<String, Instance> primaries() {
            Map<String, Instance> primaries = new LinkedHashMap<>();
            shards.forEach((shard, nodes) -> primaries.put(shard, nodes.get(0)));
            return primaries;
        }
    }

    private final MetadataStore store;
    private final Drivers drivers;
    private final DirectoryBackupStore backups;
    private final BinlogArchiving archiving;
    private final StoredBackupRestore restoring;
    private final boolean allowed;

    /** @param allowed whether the configuration switches restore_cluster on ({@value #SWITCH}) */
    public RestoreCluster(MetadataStore store, Drivers drivers, DirectoryBackupStore backups,
                          BinlogArchiving archiving, BackupReads reads, boolean allowed) {
        this.store = store;
        this.drivers = drivers;
        this.backups = backups;
        this.archiving = archiving;
        this.restoring = new StoredBackupRestore(drivers, backups, archiving, reads);
        this.allowed = allowed;
    }

    @Override
    public JobType type() {
        return JobType.RESTORE_CLUSTER;
    }

    @Override
    public String lockKey(JobRequest.RestoreCluster request) {
        return "cluster:" + request.restoreClusterName();
    }

    @Override
    public Plan check(JobRequest.RestoreCluster request, JobContext context) {
        if (!allowed) {
            throw ManagerException.refused("restore_cluster is switched off: it replaces an existing cluster's data,"
                    + " so the manager's configuration must set " + SWITCH + " to true to allow it;"
                    + " restore_new_cluster restores into a new cluster without it");
        }
        Cluster cluster = store.clusters().requireCluster(request.restoreClusterName());
        StoredBackupRestore.Choice choice = restoring.choose(request.backupClusterName(), request.timestamp(),
                context);
        return restoring.releasingOnFailure(context, () -> checkTarget(request, cluster, choice, context));
    }

    /** The target's checks against the backup chosen, and the plan. */
    private Plan checkTarget(JobRequest.RestoreCluster request, Cluster cluster, StoredBackupRestore.Choice choice,
                             JobContext context) {
        String name = cluster.name();
        BackupManifest backup = choice.backup();
        context.step("checking cluster " + name, 1, 2);
        String backupName = "backup " + backup.backupId() + " of cluster " + backup.cluster();
        Map<String, List<Instance>> shards = shardNodes(name);
        if (shards.size() != backup.shards().size()) {
            throw ManagerException.refused(backupName + " has " + backup.shards().size() + " shards, cluster " + name
                    + " has " + shards.size() + "; restore_cluster needs the same number");
        }
        List<String> backedUp = backup.shards().stream().map(BackupManifest.ShardCopy::name).sorted().toList();
        if (!backedUp.equals(shards.keySet().stream().sorted().toList())) {
            throw ManagerException.refused(backupName + " has shards " + String.join(", ", backedUp) + ", cluster "
                    + name + " has " + String.join(", ", shards.keySet().stream().sorted().toList())
                    + "; the comps' tables name their shards, so restore_cluster needs the same names");
        }
        HaMode mode = HaMode.fromWire("ha_mode", backup.spec().haMode());
        if (mode != cluster.spec().haMode()) {
            throw ManagerException.refused(backupName + " is of an " + mode.wireName() + " cluster, cluster " + name
                    + " is " + cluster.spec().haMode().wireName() + "; restore_cluster needs the same ha_mode");
        }
        List<Instance> instances = store.clusters().instances(name);
        for (Instance instance : instances) {
            if (instance.status() != InstanceStatus.ACTIVE) {
                throw ManagerException.refused(describe(instance) + " of cluster " + name + " is "
                        + instance.status().wireName() + "; restore_cluster replaces the data of every node and"
                        + " needs them all active");
            }
        }
        List<Instance> comps = instances.stream().filter(instance -> instance.kind() == InstanceKind.COMP).toList();
        backups.requireWritable();
        Map<String, Instance> primaries = new LinkedHashMap<>();
        shards.forEach((shard, nodes) -> primaries.put(shard, nodes.get(0)));
        long needed = ClusterCopy.dataBytes(drivers, primaries.values());
        long free = backups.freeBytes();
        if (free < needed) {
            throw ManagerException.refused("backup store " + backups.location() + " has " + free + " bytes free;"
                    + " keeping aside the data restore_cluster replaces needs up to " + needed + " bytes (the"
                    + " data directories of cluster " + name + "'s primaries)");
        }
        Instant now = Instant.now();
        ClusterCopy.Sources keptAside = new ClusterCopy.Sources(cluster, ClusterCopy.COPY_ID.format(now), now,
                primaries, comps);
        if (backups.keptAside().exists(name, keptAside.copyId())) {
            throw ManagerException.conflict("backup store " + backups.keptAside().location(name, keptAside.copyId())
                    + " exists already");
        }
        return new Plan(cluster, choice, request.timestamp(), shards, comps, keptAside);
    }

    /**
     * The backup chosen, the instances whose data would be replaced, and where the replaced data
     * would be kept.
     */
    @Override
    public Map<String, Object> describe(Plan plan) {
        Map<String, Object> described = new LinkedHashMap<>();
        described.put("cluster_name", plan.cluster().name());
        described.put("backup_cluster_name", plan.backup().cluster());
        described.put("backup_id", plan.backup().backupId());
        described.put("backup_time", restoring.backupTimeText(plan.backup()));
        List<Instance> replaced = new ArrayList<>();
        plan.shards().values().forEach(replaced::addAll);
        replaced.addAll(plan.comps());
        described.put("replaced_instances", PlanDescription.instances(replaced));
        described.put("kept_aside_in", new ClusterCopy(drivers, backups, archiving.archive(), true).location(plan.keptAside()));
        return described;
    }

    /** {@code shard1 node 127.0.0.2:57330} or {@code comp1 127.0.0.2:57340}. */
    private static String describe(Instance instance) {
        return instance.kind() == InstanceKind.COMP ? instance.compName().orElseThrow() + " " + instance.address()
                : instance.shardName().orElseThrow() + " node " + instance.address();
    }

    /** The cluster's storage nodes by shard, each shard's primary first. */
    private Map<String, List<Instance>> shardNodes(String clusterName) {
        Map<String, List<Instance>> shards = new LinkedHashMap<>();
        store.clusters().shards(clusterName).forEach(shard -> shards.put(shard, new ArrayList<>()));
        store.clusters().instances(clusterName).stream().filter(instance -> instance.kind() == InstanceKind.STORAGE)
                .sorted(Comparator.comparing(instance -> instance.role().orElse(Role.PRIMARY) != Role.PRIMARY))
                .forEach(instance -> shards.get(instance.shardName().orElseThrow()).add(instance));
        return shards;
    }

    /** Restores, holding the backup as read until the restore ended, failed or not. */
    @Override
    public String run(JobRequest.RestoreCluster request, Plan plan, JobContext context) {
        try {
            return restore(plan, context);
        } finally {
            restoring.release(context);
        }
    }

    private String restore(Plan plan, JobContext context) {
        String name = plan.cluster().name();
        int nodes = plan.shards().values().stream().mapToInt(List::size).sum();
        int total = plan.keptAside().steps() + nodes + plan.comps().size() + 1;
        AtomicInteger done = new AtomicInteger();
        ClusterCopy copy = new ClusterCopy(drivers, backups, archiving.archive(), true);
        String kept = copy.location(plan.keptAside());
        copy.begin(plan.keptAside(), context);
        BackupManifest keptManifest = copy.complete(plan.keptAside(), context, done, total);
        // From here on the cluster's data is overwritten; the copy just made is all that is left of it.
        try {
            ClusterUsers users = ClusterAccounts.ofCluster(store.clusters(), name);
            ClusterBuilder builder = new ClusterBuilder(store, drivers);
            Parallel.run(plan.shards().entrySet().stream().<Runnable>map(shard -> () -> restoreShard(plan,
                    shard.getKey(), shard.getValue(), builder, users, context, done, total)).toList());
            context.step("loading the schema of backup " + plan.backup().backupId() + " into "
                    + plan.comps().size() + " comps", done.get(), total);
            Parallel.run(plan.comps().stream().<Runnable>map(comp -> () -> {
                replaceSchema(plan.backup(), comp, users);
                done.incrementAndGet();
            }).toList());
            context.step("linking comps to the restored primaries", done.get(), total);
            builder.linkComps(plan.comps(), plan.primaries(), users);
        } catch (RuntimeException e) {
            ManagerException.Code code = e instanceof ManagerException failure ? failure.code()
                    : ManagerException.Code.INTERNAL;
            throw new ManagerException(code, e.getMessage() + "; restore_cluster had begun to replace the data of"
                    + " cluster " + name + ", which is not rolled back: its nodes not restored yet are left stopped,"
                    + " and the data it replaced is kept in " + kept + " (a backup of " + name + " at "
                    + keptManifest.backupTime() + "; docs/backup.md, 'Undoing restore_cluster', says how to put it"
                    + " back)", e);
        }
        context.step("restored " + name + " from backup " + plan.backup().backupId() + " of cluster "
                + plan.backup().cluster() + "; the data it replaced is kept in " + kept, total, total);
        return name;
    }

    /**
     * Stops the shard's nodes, replaces its primary's data with the backup's copy of the shard
     * and replays the archive onto it, then rebuilds the other nodes from it, one after the other.
     */
    private void restoreShard(Plan plan, String shard, List<Instance> nodes, ClusterBuilder builder,
                              ClusterUsers users, JobContext context, AtomicInteger done, int total) {
        boolean group = plan.cluster().spec().haMode() == HaMode.MGR;
        Instance primary = nodes.get(0);
        StorageNode primaryNode = drivers.storageNode(primary);
        StorageEngine primaryEngine = drivers.storage(primary.hostaddr());
        context.step("stopping the " + nodes.size() + " nodes of " + shard, done.get(), total);
        // Where the replaced history ends; a Galera group's members each number their own.
        GtidPosition replaced = group ? new GtidPosition("")
                : ClusterBuilder.naming(shard + " node ", () -> primaryEngine.binlogPosition(primaryNode));
        List<Instance> replicasFirst = new ArrayList<>(nodes.subList(1, nodes.size()));
        replicasFirst.add(primary);
        for (Instance node : replicasFirst) {
            store.clusters().setStatus(node.hostaddr(), node.port(), InstanceStatus.STOPPED);
        }
        // No node of the shard is active now, so the archive's keep-alive starts no archiver again.
        archiving.stop(plan.cluster().name(), shard);
        for (Instance node : replicasFirst) {
            ClusterBuilder.naming(shard + " node ", () -> drivers.storage(node.hostaddr())
                    .stop(drivers.storageNode(node)));
        }
        BackupManifest.ShardCopy copy = StoredBackupRestore.copyOf(plan.backup(), shard);
        BackupStore.StoreFile file = restoring.shardFile(plan.backup(), copy);
        context.step("restoring " + shard + " (" + ClusterCopy.mebibytes(copy.file().bytes()) + " MiB stored) onto "
                + primary.address(), done.get(), total);
        ClusterBuilder.naming(shard + " node ", () -> primaryEngine.restoreInPlace(primaryNode, users, file.host(),
                file.file(), copy.compression(), group));
        restoring.replayArchivedBinlogs(plan.choice(), shard, primary, context, done.get(), total);
        if (!group) {
            ClusterBuilder.naming(shard + " node ", () -> {
                primaryEngine.startHistoryAfter(primaryNode, replaced);
                // It started read-only, as every rbr node does; the archived binary logs are replayed.
                primaryEngine.setReadOnly(primaryNode, false);
            });
        }
        keepArchiveAside(plan, shard);
        store.clusters().setStatus(primary.hostaddr(), primary.port(), InstanceStatus.ACTIVE);
        StopArchiving.startArchiving(archiving, plan.cluster().name(), List.of(shard), context);
        context.step("restored " + shard + " onto " + primary.address(), done.incrementAndGet(), total);
        for (Instance node : nodes.subList(1, nodes.size())) {
            context.step("rebuilding " + shard + " node " + node.address() + " from its primary", done.get(), total);
            ClusterBuilder.naming(shard + " node ", () -> {
                if (group) {
                    drivers.storage(node.hostaddr()).rejoinGroupInPlace(drivers.storageNode(node));
                } else {
                    builder.reseedReplica(node, primaryNode, users);
                }
            });
            store.clusters().setStatus(node.hostaddr(), node.port(), InstanceStatus.ACTIVE);
            done.incrementAndGet();
        }
        if (group) {
            ClusterBuilder.naming(shard + " node ", () -> primaryEngine.awaitGroup(primaryNode, nodes.size()));
        }
    }

    /**
     * The shard's archived binlogs are the history being replaced: its archive directory (its
     * archiver stopped before the shard's nodes) moves into the kept-aside copy, as
     * {@code binlog/<shard>}, once the replay, which may read it when the backup is the
     * cluster's own, is done. The restored primary is archived afresh from its own first binary
     * log.
     */
    private void keepArchiveAside(Plan plan, String shard) {
        String cluster = plan.cluster().name();
        BinlogArchive archive = archiving.archive();
        if (!archive.shards(cluster).contains(shard)) {
            return;
        }
        // The archive is a directory of the store, on the store's machine.
        BackupStore.StoreFile keptIn = backups.keptAside().file(cluster, plan.keptAside().copyId(), "binlog/" + shard);
        keptIn.host().check(Command.of("sh", "-c", "umask 077 && mkdir -p -- \"$(dirname -- \"$2\")\""
                + " && mv -- \"$1\" \"$2\"", "sh", archive.shardDirectory(cluster, shard), keptIn.file()));
    }

    /**
     * The comp's client database made again from the backup's schema of the comp of the same
     * name, or of the backup's first comp when it had none of that name; left as it is when the
     * backup holds no comp.
     */
    private void replaceSchema(BackupManifest backup, Instance comp, ClusterUsers users) {
        String name = comp.compName().orElseThrow();
        if (backup.comps().isEmpty()) {
            return;
        }
        String dumped = backup.comps().stream().map(BackupManifest.CompSchema::name).filter(name::equals).findFirst()
                .orElse(backup.comps().get(0).name());
        StoredBackupRestore.CompSchemaText text = restoring.compSchema(backup, dumped);
        ClusterBuilder.naming(name + " ", () -> drivers.compute(comp.hostaddr()).replaceSchema(
                drivers.computeNode(comp), text.database(), users.admin().user(), text.roles(), text.schema()));
    }
}
