package io.kunlun.core.ops.backup;

import io.kunlun.core.ops.clusters.BuildPlan;
import io.kunlun.core.ops.clusters.ClusterAccounts;
import io.kunlun.core.ops.clusters.ClusterBuilder;
import io.kunlun.core.ops.clusters.DeleteClusterRows;
import io.kunlun.core.ops.Drivers;
import io.kunlun.core.ops.instances.InstancePlanning;
import io.kunlun.core.ops.Names;
import io.kunlun.core.ops.Operation;
import io.kunlun.core.ops.Parallel;
import io.kunlun.core.ops.PlanDescription;

import io.kunlun.core.ManagerException;
import io.kunlun.core.backup.BackupManifest;
import io.kunlun.core.backup.BackupStore;
import io.kunlun.core.backup.binlog.BinlogArchiving;
import io.kunlun.core.engines.ClusterUsers;
import io.kunlun.core.engines.StorageEngine;
import io.kunlun.core.engines.StorageNode;
import io.kunlun.core.hosts.Hosts;
import io.kunlun.core.jobs.JobContext;
import io.kunlun.core.meta.ClusterTable;
import io.kunlun.core.meta.MetadataStore;
import io.kunlun.model.ClusterSpec;
import io.kunlun.model.HaMode;
import io.kunlun.model.Instance;
import io.kunlun.model.job.JobRequest;
import io.kunlun.model.job.JobType;

import java.time.LocalDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * restore_new_cluster: a new cluster of the backed-up cluster's shape, placed on the machinelist
 * as create_cluster places one, whose shards hold what the source's shards held at
 * {@code timestamp}. Each shard's primary is made from the latest complete backup taken at or
 * before that time, streamed from the store's machine to its own; the archived binlogs from the
 * backup's position up to the time are replayed onto it; then its replicas are built from it (rbr:
 * seeded from a backup of it, replicating from there; mgr: joining the group it bootstraps, by
 * state transfer). The restored data's accounts are the source cluster's: they are replaced by
 * the new cluster's own, generated as create_cluster generates them. The comps are installed,
 * given the backup's schema and roles, and linked to the new primaries. Only the store is read,
 * so the source cluster may be gone. A failure rolls everything back through the undo records
 * create_cluster uses.
 */
public final class RestoreNewCluster implements Operation<JobRequest.RestoreNewCluster, RestoreNewCluster.Plan> {
    private static final String LOCK_PREFIX = "cluster:";

    /**
     * The backup restored and the archived binlogs of each shard to replay onto it, the point in
     * time the new cluster is to show, the new cluster's instances, and its accounts (generated
     * in check, recorded in run).
     */
    public record Plan(StoredBackupRestore.Choice choice, LocalDateTime pointInTime, BuildPlan build,
                       List<ClusterTable.Credential> credentials) {
        BackupManifest backup() {
            return choice.backup();
        }
    }

    private final MetadataStore store;
    private final Hosts hosts;
    private final Drivers drivers;
    private final BinlogArchiving archiving;
    private final StoredBackupRestore restoring;

    public RestoreNewCluster(MetadataStore store, Hosts hosts, Drivers drivers, BackupStore backups,
                             BinlogArchiving archiving, BackupReads reads) {
        this.store = store;
        this.hosts = hosts;
        this.drivers = drivers;
        this.archiving = archiving;
        this.restoring = new StoredBackupRestore(drivers, backups, archiving, reads);
    }

    @Override
    public JobType type() {
        return JobType.RESTORE_NEW_CLUSTER;
    }

    @Override
    public String lockKey(JobRequest.RestoreNewCluster request) {
        return LOCK_PREFIX + Names.newClusterName();
    }

    @Override
    public Plan check(JobRequest.RestoreNewCluster request, JobContext context) {
        String name = context.lockKey().substring(LOCK_PREFIX.length());
        if (store.clusters().findCluster(name).isPresent()) {
            throw ManagerException.conflict("cluster " + name + " already exists");
        }
        StoredBackupRestore.Choice choice = restoring.choose(request.backupClusterName(), request.timestamp(),
                context);
        BackupManifest backup = choice.backup();
        return restoring.releasingOnFailure(context, () -> {
            context.step("planning " + name, 1, 2);
            BuildPlan build = new InstancePlanning(store, hosts, drivers).plan(name, spec(backup),
                    backup.shards().stream().map(BackupManifest.ShardCopy::name).toList(),
                    backup.comps().stream().map(BackupManifest.CompSchema::name).toList(), request.machineList());
            return new Plan(choice, request.timestamp(), build, ClusterAccounts.newCredentials());
        });
    }

    /** The backed-up cluster's shape as create_cluster takes it. */
    private static ClusterSpec spec(BackupManifest backup) {
        BackupManifest.Spec spec = backup.spec();
        return new ClusterSpec(HaMode.fromWire("ha_mode", spec.haMode()), spec.nodes(), spec.maxStorageSizeGb(),
                spec.maxConnections(), spec.cpuCores(), spec.innodbSizeGb());
    }

    @Override
    public Map<String, Object> describe(Plan plan) {
        Map<String, Object> described = new java.util.LinkedHashMap<>();
        described.put("backup_cluster_name", plan.backup().cluster());
        described.put("backup_id", plan.backup().backupId());
        described.put("backup_time", restoring.backupTimeText(plan.backup()));
        described.putAll(PlanDescription.adding(plan.build().clusterName(), plan.build().all()));
        return described;
    }

    /** Restores, holding the backup as read until the restore ended, failed or not. */
    @Override
    public String run(JobRequest.RestoreNewCluster request, Plan plan, JobContext context) {
        try {
            return restore(plan, context);
        } finally {
            restoring.release(context);
        }
    }

    private String restore(Plan plan, JobContext context) {
        BuildPlan build = plan.build();
        String name = build.clusterName();
        int total = 3 + build.storageNodes().size() + build.comps().size() * 2;
        AtomicInteger done = new AtomicInteger();
        context.step("registering " + name, done.get(), total);
        context.willDo(DeleteClusterRows.NAME, name);
        store.clusters().insertCluster(name, build.spec(), context.jobId(), plan.credentials());
        build.shards().forEach(shard -> store.clusters().insertShard(name, shard.name()));
        ClusterUsers users = ClusterAccounts.users(plan.credentials(), build.all());
        ClusterBuilder builder = new ClusterBuilder(store, drivers);
        builder.register(build, context);
        done.incrementAndGet();
        Parallel.run(build.shards().stream().<Runnable>map(shard -> () -> restoreShard(plan, builder, shard,
                StoredBackupRestore.copyOf(plan.backup(), shard.name()), users, context, done, total)).toList());
        context.step("installing " + build.comps().size() + " comps", done.get(), total);
        builder.installComps(build, users, context, done, total);
        Parallel.run(plan.backup().comps().stream().<Runnable>map(schema -> () -> {
            loadSchema(plan, build.comps().stream()
                    .filter(comp -> comp.compName().orElseThrow().equals(schema.name())).findFirst().orElseThrow(),
                    schema);
            context.step("loaded the schema of " + schema.name(), done.incrementAndGet(), total);
        }).toList());
        context.step("linking comps to the new shards", done.incrementAndGet(), total);
        builder.linkCompsToShards(build, List.of(), users, context);
        List<String> shards = build.shards().stream().map(BuildPlan.Shard::name).toList();
        StopArchiving.prepareArchiving(archiving, name, shards, context);
        String info = context.complete(name, () -> builder.markActive(build));
        context.step("restored " + name + " from backup " + plan.backup().backupId() + " of cluster "
                + plan.backup().cluster(), total, total);
        StopArchiving.startArchivers(archiving, name, shards);
        return info;
    }

    /**
     * The shard's primary from its backup, the archived binlogs replayed onto it, then its
     * replicas from it, one after the other.
     */
    private void restoreShard(Plan plan, ClusterBuilder builder, BuildPlan.Shard shard,
                              BackupManifest.ShardCopy copy, ClusterUsers users, JobContext context,
                              AtomicInteger done, int total) {
        BuildPlan build = plan.build();
        Instance primary = shard.primary();
        String jobId = context.jobId();
        BackupStore.StoreFile file = restoring.shardFile(plan.backup(), copy);
        context.step("restoring " + shard.name() + " (" + (copy.file().bytes() >> 20) + " MiB stored) onto "
                + primary.address(), done.get(), total);
        ClusterBuilder.naming(shard.name() + " node ", () -> drivers.storage(primary.hostaddr()).restore(
                builder.storageInstall(build, shard, primary, users, jobId), file.host(), file.file(),
                copy.compression()));
        context.step("restored " + shard.name() + " onto " + primary.address(), done.incrementAndGet(), total);
        restoring.replayArchivedBinlogs(plan.choice(), shard.name(), primary, context, done.get(), total);
        StorageEngine primaryEngine = drivers.storage(primary.hostaddr());
        StorageNode primaryNode = drivers.storageNode(primary);
        for (Instance replica : shard.nodes().subList(1, shard.nodes().size())) {
            context.step("building " + shard.name() + " replica " + replica.address() + " from its primary",
                    done.get(), total);
            ClusterBuilder.naming(shard.name() + " node ", () -> {
                if (build.spec().haMode() == HaMode.MGR) {
                    drivers.storage(replica.hostaddr()).install(builder.storageInstall(build, shard, replica, users,
                            jobId));
                } else {
                    builder.seedReplica(build.spec(), replica, primaryNode, users, jobId);
                }
            });
            done.incrementAndGet();
        }
        if (build.spec().haMode() == HaMode.MGR) {
            ClusterBuilder.naming(shard.name() + " node ", () -> primaryEngine.awaitGroup(primaryNode,
                    shard.nodes().size()));
        }
    }

    /** The comp's roles and client database schema from the backup, before it is linked to the new shards. */
    private void loadSchema(Plan plan, Instance comp, BackupManifest.CompSchema schema) {
        StoredBackupRestore.CompSchemaText text = restoring.compSchema(plan.backup(), schema.name());
        ClusterBuilder.naming(schema.name() + " ", () -> drivers.compute(comp.hostaddr()).loadSchema(
                drivers.computeNode(comp), text.database(), text.roles(), text.schema()));
    }
}
