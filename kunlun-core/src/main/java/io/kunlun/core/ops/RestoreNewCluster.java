package io.kunlun.core.ops;

import io.kunlun.core.ManagerException;
import io.kunlun.core.backup.BackupManifest;
import io.kunlun.core.backup.BackupStore;
import io.kunlun.core.backup.binlog.BinlogArchiving;
import io.kunlun.core.backup.binlog.BinlogReplay;
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

import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
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
    /** Replaying is bounded like a state transfer: it may apply hours of a busy shard's writes. */
    private static final Duration REPLAY_TIMEOUT = Duration.ofHours(6);

    /**
     * The backup restored, the point in time the new cluster is to show, the archived binlogs of
     * each shard to replay up to it (none for a shard whose archive does not reach past the
     * backup, when the point in time is the backup's own second), the new cluster's instances,
     * and its accounts (generated in check, recorded in run).
     */
    public record Plan(BackupManifest backup, LocalDateTime pointInTime, Map<String, BinlogReplay.Range> replays,
                       BuildPlan build, List<ClusterTable.Credential> credentials) {
        Map<String, BackupManifest.ShardCopy> copies() {
            return backup.shards().stream().collect(Collectors.toMap(BackupManifest.ShardCopy::name,
                    Function.identity()));
        }
    }

    private final MetadataStore store;
    private final Hosts hosts;
    private final Drivers drivers;
    private final BackupStore backups;
    private final BinlogArchiving archiving;
    private final BinlogReplay replay;

    public RestoreNewCluster(MetadataStore store, Hosts hosts, Drivers drivers, BackupStore backups,
                             BinlogArchiving archiving) {
        this.store = store;
        this.hosts = hosts;
        this.drivers = drivers;
        this.backups = backups;
        this.archiving = archiving;
        this.replay = new BinlogReplay(archiving.archive());
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
        Map<String, BinlogReplay.Range> replays = replays(source, backup, pointInTime);
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
        return new Plan(backup, pointInTime, replays, build, ClusterAccounts.newCredentials());
    }

    /**
     * Each shard's archived binlogs from its backup's GTID position up to the point in time. A
     * point in time after the backup's second needs them for every shard, and is refused with the
     * archive's reason otherwise; at the backup's own second they bring the transactions of that
     * second after the copy's consistent point, where the archive has them.
     */
    private Map<String, BinlogReplay.Range> replays(String source, BackupManifest backup, LocalDateTime pointInTime) {
        boolean pastTheBackup = pointInTime.isAfter(backupTime(backup));
        Map<String, BinlogReplay.Range> replays = new LinkedHashMap<>();
        if (spec(backup).haMode() == HaMode.MGR) {
            // Galera members number transactions each in their own binary log: the backup's
            // position, taken on one member, says nothing about another member's archive.
            if (pastTheBackup) {
                throw ManagerException.refused("point-in-time restore of an mgr cluster past a backup's time is not"
                        + " supported yet (its members' binary logs do not share transaction ids); restore " + source
                        + " at the time of one of its backups, e.g. " + backup.backupTime());
            }
            return replays;
        }
        for (BackupManifest.ShardCopy copy : backup.shards()) {
            try {
                replays.put(copy.name(), replay.check(source, copy.name(), new GtidPosition(copy.gtidPosition()),
                        pointInTime));
            } catch (ManagerException uncovered) {
                if (pastTheBackup) {
                    throw uncovered;
                }
            }
        }
        return replays;
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
        StopArchiving.startArchiving(archiving, name, build.shards().stream().map(BuildPlan.Shard::name).toList(),
                context);
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
        BinlogReplay.Range range = plan.replays().get(shard.name());
        if (range != null) {
            context.step("replaying " + range.files().size() + " archived binlog files of " + shard.name()
                    + " onto " + primary.address() + " up to " + BackupCluster.BACKUP_TIME.format(
                    range.until().atZone(ZoneId.systemDefault())), done.get(), total);
            StorageEngine engine = drivers.storage(primary.hostaddr());
            StorageNode node = drivers.storageNode(primary);
            ClusterBuilder.naming(shard.name() + " node ", () -> {
                replay.apply(range, engine.client(node), REPLAY_TIMEOUT);
                engine.adoptBinlogPosition(node);
            });
        }
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
        String cluster = plan.backup().cluster();
        String backupId = plan.backup().backupId();
        ClusterBuilder.naming(schema.name() + " ", () -> drivers.compute(comp.hostaddr()).loadSchema(
                drivers.computeNode(comp), schema.database(), backups.read(cluster, backupId, schema.roles().path()),
                backups.read(cluster, backupId, schema.schema().path())));
    }
}
