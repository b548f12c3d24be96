package io.kunlun.core.ops;

import io.kunlun.core.ManagerException;
import io.kunlun.core.backup.BackupManifest;
import io.kunlun.core.backup.BackupStore;
import io.kunlun.core.backup.DirectoryBackupStore;
import io.kunlun.core.backup.StoredFile;
import io.kunlun.core.backup.binlog.BinlogArchiving;
import io.kunlun.core.engines.ComputeEngine;
import io.kunlun.core.engines.StorageNode;
import io.kunlun.core.engines.StreamedBackup;
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

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * backup_cluster: a full physical backup of every shard, all shards at once, each taken from a
 * healthy replica where the shard has one (its primary otherwise) and streamed from that node's
 * machine straight into the backup store; plus each comp's schema of the client database and its
 * roles. Every file is read back from the store and checked against what arrived before the
 * manifest is written, which is what makes the backup complete. The cluster itself is only read.
 * On failure the undo deletes the backup's directory, so the store keeps no partial backup.
 */
public final class BackupCluster implements Operation<JobRequest.BackupCluster, BackupCluster.Plan> {
    /** Backup ids are the check's time in UTC: they sort by time and name no zone twice a year. */
    private static final Logger LOG = LoggerFactory.getLogger(BackupCluster.class);
    private static final DateTimeFormatter BACKUP_ID =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
    /** The backup's time as the job's info shows it and restores take it: the manager's zone, to the second. */
    static final DateTimeFormatter BACKUP_TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneId.systemDefault());

    /** How often the bytes in the store are shown while the shards are copied. */
    private static final Duration PROGRESS_INTERVAL = Duration.ofSeconds(2);

    /** The node each shard is copied from, and the comps whose schema is dumped. */
    public record Plan(Cluster cluster, String backupId, Instant startedAt, Map<String, Instance> sources,
                       List<Instance> comps) {
    }

    private final MetadataStore store;
    private final Drivers drivers;
    private final DirectoryBackupStore backups;
    private final BinlogArchiving archiving;
    private final BackupRetention retention;

    public BackupCluster(MetadataStore store, Drivers drivers, DirectoryBackupStore backups,
                         BinlogArchiving archiving, BackupRetention retention) {
        this.archiving = archiving;
        this.retention = retention;
        this.store = store;
        this.drivers = drivers;
        this.backups = backups;
    }

    @Override
    public JobType type() {
        return JobType.BACKUP_CLUSTER;
    }

    @Override
    public String lockKey(JobRequest.BackupCluster request) {
        return "cluster:" + request.name();
    }

    @Override
    public Plan check(JobRequest.BackupCluster request, JobContext context) {
        Cluster cluster = store.clusters().requireCluster(request.name());
        backups.requireWritable();
        List<Instance> instances = store.clusters().instances(cluster.name());
        Map<String, Instance> sources = new LinkedHashMap<>();
        for (String shard : store.clusters().shards(cluster.name())) {
            List<Instance> nodes = instances.stream().filter(instance -> instance.kind() == InstanceKind.STORAGE
                    && instance.shardName().orElseThrow().equals(shard)).toList();
            sources.put(shard, source(cluster, shard, nodes));
        }
        List<Instance> comps = instances.stream().filter(instance -> instance.kind() == InstanceKind.COMP).toList();
        for (Instance comp : comps) {
            if (comp.status() != InstanceStatus.ACTIVE) {
                throw ManagerException.refused(comp.compName().orElseThrow() + " " + comp.address() + " is "
                        + comp.status().wireName() + "; its schema is part of the backup");
            }
        }
        Instant startedAt = Instant.now();
        String backupId = BACKUP_ID.format(startedAt);
        if (backups.exists(cluster.name(), backupId)) {
            throw ManagerException.conflict("backup store " + backups.location() + " already has a backup "
                    + backupId + " of cluster " + cluster.name());
        }
        return new Plan(cluster, backupId, startedAt, sources, comps);
    }

    /**
     * An active replica whose replication runs (an rbr replica that stopped applying holds an old
     * copy; a Galera member is in the group when active), the primary when there is none.
     */
    private Instance source(Cluster cluster, String shard, List<Instance> nodes) {
        List<Instance> candidates = new ArrayList<>(nodes.stream()
                .filter(node -> node.status() == InstanceStatus.ACTIVE).toList());
        candidates.sort(Comparator.comparing(node -> node.role().orElse(Role.PRIMARY) == Role.PRIMARY));
        for (Instance node : candidates) {
            if (node.role().orElse(Role.PRIMARY) == Role.PRIMARY || cluster.spec().haMode() != HaMode.RBR
                    || drivers.storage(node.hostaddr()).replicaStatus(drivers.storageNode(node)).running()) {
                return node;
            }
        }
        throw ManagerException.refused(shard + " of cluster " + cluster.name() + " has no active node to back up");
    }

    @Override
    public Map<String, Object> describe(Plan plan) {
        Map<String, Object> described = new java.util.LinkedHashMap<>();
        described.put("cluster_name", plan.cluster().name());
        described.put("backup_id", plan.backupId());
        described.put("copied_instances", PlanDescription.instances(plan.sources().values()));
        described.put("dumped_comps", PlanDescription.instances(plan.comps()));
        return described;
    }

    @Override
    public String run(JobRequest.BackupCluster request, Plan plan, JobContext context) {
        String cluster = plan.cluster().name();
        String backupId = plan.backupId();
        int total = plan.sources().size() + plan.comps().size() + 2;
        AtomicInteger done = new AtomicInteger();
        context.willDo(DiscardBackup.NAME, new DiscardBackup.Payload(backups.hostaddr(), backups.path(), cluster,
                backupId, context.jobId()));
        backups.create(cluster, backupId, context.jobId());
        // A cluster made before archiving existed is archived from its first backup on.
        StopArchiving.startArchiving(archiving, cluster, List.copyOf(plan.sources().keySet()), context);
        long estimate = dataBytes(plan.sources().values());
        String copying = "copying " + plan.sources().size() + (plan.sources().size() == 1 ? " shard" : " shards") + " to " + backups.location() + "/" + cluster
                + "/" + backupId + ": ";
        Runnable progress = () -> context.step(copying + mebibytes(backups.bytesStored(cluster, backupId))
                + " MiB stored of " + mebibytes(estimate) + " MiB of data", done.get(), total);
        Map<String, BackupManifest.ShardCopy> copies = new ConcurrentHashMap<>();
        ScheduledExecutorService reporter = Executors.newSingleThreadScheduledExecutor();
        try {
            reporter.scheduleWithFixedDelay(() -> {
                try {
                    progress.run();
                } catch (RuntimeException e) {
                    // Progress is for show; a failed look at the store must not stop the copy.
                }
            }, 0, PROGRESS_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
            Parallel.run(plan.sources().entrySet().stream().<Runnable>map(shard -> () -> {
                copies.put(shard.getKey(), copy(cluster, backupId, shard.getKey(), shard.getValue()));
                done.incrementAndGet();
            }).toList());
        } finally {
            reporter.shutdownNow();
            awaitQuietly(reporter);
        }
        Map<String, BackupManifest.CompSchema> schemas = new ConcurrentHashMap<>();
        Parallel.run(plan.comps().stream().<Runnable>map(comp -> () -> {
            String name = comp.compName().orElseThrow();
            schemas.put(name, dumpSchema(cluster, backupId, comp));
            context.step("dumped the schema of " + name, done.incrementAndGet(), total);
        }).toList());
        BackupManifest manifest = manifest(plan, context.jobId(), copies, schemas);
        context.step("verifying " + manifest.files().size() + " files in the store", done.incrementAndGet(), total);
        backups.firstMismatch(manifest).ifPresent(mismatch -> {
            throw new ManagerException(ManagerException.Code.COMMAND_FAILED, "backup store " + backups.location()
                    + ": " + cluster + "/" + backupId + "/" + mismatch.recorded().path() + " holds "
                    + mismatch.stored().bytes() + " bytes with sha256 " + mismatch.stored().sha256() + ", but "
                    + mismatch.recorded().bytes() + " bytes with sha256 " + mismatch.recorded().sha256()
                    + " were written");
        });
        backups.commit(manifest);
        applyRetention(cluster, context);
        context.step("backup " + backupId + " complete", total, total);
        return manifest.backupTime();
    }

    /**
     * The retention deletes the cluster's expired backups once this one is complete. A failure
     * there does not fail this backup (its undo would delete it): the log says why, and the next
     * backup tries again.
     */
    private void applyRetention(String cluster, JobContext context) {
        try {
            List<BackupManifest> expired = retention.expired(cluster);
            if (!expired.isEmpty()) {
                context.step("retention: deleting " + expired.size() + " older backups", 0, 1);
                retention.delete(cluster, expired);
            }
        } catch (RuntimeException e) {
            LOG.warn("cluster {}: backup retention failed: {}", cluster, e.getMessage());
        }
    }

    /**
     * The size of the sources' data directories: what the copies will hold before compression.
     * Read with du on each source's machine at once.
     */
    private long dataBytes(Collection<Instance> sources) {
        AtomicLong bytes = new AtomicLong();
        Parallel.run(sources.stream().<Runnable>map(source -> () -> {
            StorageNode node = drivers.storageNode(source);
            bytes.addAndGet(Long.parseLong(node.host().check(Command.of("du", "-s", "-b", "--",
                    node.layout().dataDir())).stdout().strip().split("\\s+")[0]));
        }).toList());
        return bytes.get();
    }

    /** Waits for a progress report under way, so that it cannot overwrite a later step. */
    private static void awaitQuietly(ScheduledExecutorService reporter) {
        try {
            reporter.awaitTermination(PROGRESS_INTERVAL.toMillis() * 5, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static long mebibytes(long bytes) {
        return bytes >> 20;
    }

    private BackupManifest.ShardCopy copy(String cluster, String backupId, String shard, Instance source) {
        Instant started = Instant.now();
        StreamedBackup backup = ClusterBuilder.naming(shard + " node ", () -> {
            BackupStore.StoreFile target = backups.streamTarget(cluster, backupId, shard + "/backup");
            return drivers.storage(source.hostaddr()).backup(drivers.storageNode(source), target.host(),
                    target.file());
        });
        String file = shard + "/" + backup.file().substring(backup.file().lastIndexOf('/') + 1);
        return new BackupManifest.ShardCopy(shard, source.address(), source.role().orElse(Role.PRIMARY).wireName(),
                new StoredFile(file, backup.bytes(), backup.sha256()), backup.compression(),
                backup.position().file(), backup.position().offset(), backup.position().gtid().text(),
                started.toString(), Instant.now().toString());
    }

    private BackupManifest.CompSchema dumpSchema(String cluster, String backupId, Instance comp) {
        String name = comp.compName().orElseThrow();
        ComputeEngine engine = drivers.compute(comp.hostaddr());
        return ClusterBuilder.naming(name + " ", () -> new BackupManifest.CompSchema(name, comp.address(),
                ClusterBuilder.CLIENT_DATABASE,
                backups.write(cluster, backupId, name + "/schema.sql", engine.dumpSchema(drivers.computeNode(comp),
                        ClusterBuilder.CLIENT_DATABASE).getBytes(StandardCharsets.UTF_8)),
                backups.write(cluster, backupId, name + "/roles.sql",
                        engine.dumpRoles(drivers.computeNode(comp)).getBytes(StandardCharsets.UTF_8))));
    }

    /**
     * The backup's time is when its last shard copy ended: every shard's copy is consistent to a
     * moment at or before it (mariadb-backup takes its consistent point near the end of a copy).
     */
    private static BackupManifest manifest(Plan plan, String jobId, Map<String, BackupManifest.ShardCopy> copies,
                                           Map<String, BackupManifest.CompSchema> schemas) {
        List<BackupManifest.ShardCopy> shards = plan.sources().keySet().stream().map(copies::get).toList();
        Instant consistentAt = shards.stream().map(copy -> Instant.parse(copy.endedAt())).max(Instant::compareTo)
                .orElse(plan.startedAt());
        Cluster cluster = plan.cluster();
        BackupManifest.Spec spec = new BackupManifest.Spec(cluster.spec().haMode().wireName(), cluster.shards(),
                cluster.spec().nodes(), cluster.comps(), cluster.spec().maxStorageSizeGb(),
                cluster.spec().maxConnections(), cluster.spec().cpuCores(), cluster.spec().innodbSizeGb());
        return new BackupManifest(BackupManifest.FORMAT, plan.backupId(), cluster.name(), jobId, spec,
                plan.startedAt().toString(), Instant.now().toString(), consistentAt.toString(),
                BACKUP_TIME.format(consistentAt), shards,
                plan.comps().stream().map(comp -> schemas.get(comp.compName().orElseThrow())).toList());
    }
}
