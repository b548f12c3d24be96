package io.kunlun.core.ops;

import io.kunlun.core.ManagerException;
import io.kunlun.core.backup.BackupManifest;
import io.kunlun.core.backup.BackupStore;
import io.kunlun.core.engines.ClusterUsers;
import io.kunlun.core.engines.GtidPosition;
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
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;

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
     * The backup restored, the point in time the new cluster is to show, the new cluster's
     * instances, and its accounts (generated in check, recorded in run).
     */
    public record Plan(BackupManifest backup, LocalDateTime pointInTime, BuildPlan build,
                       List<ClusterTable.Credential> credentials) {
        Map<String, BackupManifest.ShardCopy> copies() {
            return backup.shards().stream().collect(Collectors.toMap(BackupManifest.ShardCopy::name,
                    Function.identity()));
        }
    }

    /** Where in a shard's history its backup stands: where replaying archived binlogs starts. */
    record ReplayStart(String binlogFile, long binlogOffset, GtidPosition gtid) {
        static ReplayStart of(BackupManifest.ShardCopy copy) {
            return new ReplayStart(copy.binlogFile(), copy.binlogOffset(), new GtidPosition(copy.gtidPosition()));
        }
    }

    private final MetadataStore store;
    private final Hosts hosts;
    private final Drivers drivers;
    private final BackupStore backups;

    public RestoreNewCluster(MetadataStore store, Hosts hosts, Drivers drivers, BackupStore backups) {
        this.store = store;
        this.hosts = hosts;
        this.drivers = drivers;
        this.backups = backups;
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
        String source = request.backupClusterName();
        LocalDateTime pointInTime = request.timestamp();
        String asked = BackupCluster.BACKUP_TIME.format(pointInTime.atZone(ZoneId.systemDefault()));
        LocalDateTime now = LocalDateTime.now(ZoneId.systemDefault()).truncatedTo(ChronoUnit.SECONDS);
        if (pointInTime.isAfter(now)) {
            throw ManagerException.refused("timestamp " + asked + " is in the future: the manager's time is "
                    + BackupCluster.BACKUP_TIME.format(now.atZone(ZoneId.systemDefault())) + " ("
                    + ZoneId.systemDefault() + ")");
        }
        List<BackupManifest> complete = backups.list(Optional.of(source));
        if (complete.isEmpty()) {
            throw ManagerException.notFound("backup store " + backups.location() + " holds no backup of cluster "
                    + source);
        }
        BackupManifest backup = complete.stream().filter(manifest -> !backupTime(manifest).isAfter(pointInTime))
                .reduce((earlier, later) -> later)
                .orElseThrow(() -> ManagerException.refused("timestamp " + asked + " is before the first backup of"
                        + " cluster " + source + ", taken at " + complete.get(0).backupTime()));
        if (pointInTime.isAfter(backupTime(backup))) {
            throw ManagerException.refused("no binlog archive covers " + backup.backupTime() + " to " + asked
                    + " for cluster " + source);
        }
        if (backup.format() != BackupManifest.FORMAT) {
            throw ManagerException.refused("backup " + backup.backupId() + " of cluster " + source + " has format "
                    + backup.format() + "; this manager reads format " + BackupManifest.FORMAT);
        }
        context.step("verifying backup " + backup.backupId() + " of cluster " + source, 0, 2);
        requireIntact(backup);
        context.step("planning " + name, 1, 2);
        BuildPlan build = new InstancePlanning(store, hosts, drivers).plan(name, spec(backup),
                backup.shards().stream().map(BackupManifest.ShardCopy::name).toList(),
                backup.comps().stream().map(BackupManifest.CompSchema::name).toList(), request.machineList());
        return new Plan(backup, pointInTime, build, ClusterAccounts.newCredentials());
    }

    private static LocalDateTime backupTime(BackupManifest manifest) {
        return LocalDateTime.parse(manifest.backupTime(), BackupCluster.BACKUP_TIME);
    }

    /** Every file of the backup is in the store as the manifest describes it (size and SHA-256). */
    private void requireIntact(BackupManifest backup) {
        backups.firstMismatch(backup).ifPresent(mismatch -> {
            throw ManagerException.refused("backup " + backup.backupId() + " of cluster " + backup.cluster()
                    + " is damaged: " + mismatch.recorded().path() + " holds " + mismatch.stored().bytes()
                    + " bytes with sha256 " + mismatch.stored().sha256() + ", the manifest says "
                    + mismatch.recorded().bytes() + " bytes with sha256 " + mismatch.recorded().sha256());
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
        described.put("backup_time", plan.backup().backupTime());
        described.putAll(PlanDescription.adding(plan.build().clusterName(), plan.build().all()));
        return described;
    }

    @Override
    public String run(JobRequest.RestoreNewCluster request, Plan plan, JobContext context) {
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
        Map<String, BackupManifest.ShardCopy> copies = plan.copies();
        Parallel.run(build.shards().stream().<Runnable>map(shard -> () -> restoreShard(plan, builder, shard,
                copies.get(shard.name()), users, context, done, total)).toList());
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
        builder.markActive(build);
        context.step("restored " + name + " from backup " + plan.backup().backupId() + " of cluster "
                + plan.backup().cluster(), total, total);
        return name;
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
        BackupStore.StoreFile file = backups.file(plan.backup().cluster(), plan.backup().backupId(),
                copy.file().path());
        context.step("restoring " + shard.name() + " (" + (copy.file().bytes() >> 20) + " MiB stored) onto "
                + primary.address(), done.get(), total);
        ClusterBuilder.naming(shard.name() + " node ", () -> drivers.storage(primary.hostaddr()).restore(
                builder.storageInstall(build, shard, primary, users, jobId), file.host(), file.file(),
                copy.compression()));
        context.step("restored " + shard.name() + " onto " + primary.address(), done.incrementAndGet(), total);
        replayArchivedBinlogs(shard.name(), primary, ReplayStart.of(copy), backupTime(plan.backup()),
                plan.pointInTime());
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

    /**
     * Replays the shard's archived binary logs onto its restored primary, from where its backup
     * stands up to the point in time, before any replica is built from it: the step that makes
     * every shard show the same moment. There is no binlog archive yet, so check accepts only a
     * point in time no later than the backup's, which holds nothing to replay.
     */
    private static void replayArchivedBinlogs(String shard, Instance primary, ReplayStart from,
                                              LocalDateTime backupTime, LocalDateTime pointInTime) {
        if (pointInTime.isAfter(backupTime)) {
            throw new ManagerException(ManagerException.Code.INTERNAL, shard + " node " + primary.address()
                    + ": no binlog archive to replay from " + from.binlogFile() + ":" + from.binlogOffset() + " (GTID "
                    + from.gtid() + ") up to " + pointInTime);
        }
    }

    /** The comp's roles and client database schema from the backup, before it is linked to the new shards. */
    private void loadSchema(Plan plan, Instance comp, BackupManifest.CompSchema schema) {
        String cluster = plan.backup().cluster();
        String backupId = plan.backup().backupId();
        ClusterBuilder.naming(schema.name() + " ", () -> drivers.compute(comp.hostaddr()).loadSchema(
                drivers.computeNode(comp), schema.database(), backups.read(cluster, backupId, schema.roles().path()),
                backups.read(cluster, backupId, schema.schema().path())));
    }
}
