package io.kunlun.core.ops.backup;

import io.kunlun.core.ops.Drivers;
import io.kunlun.core.ops.Operation;
import io.kunlun.core.ops.PlanDescription;

import io.kunlun.core.ManagerException;
import io.kunlun.core.backup.BackupManifest;
import io.kunlun.core.backup.DirectoryBackupStore;
import io.kunlun.core.backup.binlog.BinlogArchiving;
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

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * backup_cluster: a full physical backup of every shard, all shards at once, each taken from a
 * healthy replica where the shard has one (its primary otherwise) and streamed from that node's
 * machine straight into the backup store; plus each comp's schema of the client database and its
 * roles ({@link ClusterCopy}). Every file is read back from the store and checked against what
 * arrived before the manifest is written, which is what makes the backup complete. The cluster
 * itself is only read. On failure the undo deletes the backup's directory, so the store keeps no
 * partial backup.
 */
public final class BackupCluster implements Operation<JobRequest.BackupCluster, ClusterCopy.Sources> {
    private static final Logger LOG = LoggerFactory.getLogger(BackupCluster.class);
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
    public ClusterCopy.Sources check(JobRequest.BackupCluster request, JobContext context) {
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
        String backupId = ClusterCopy.COPY_ID.format(startedAt);
        if (backups.exists(cluster.name(), backupId)) {
            throw ManagerException.conflict("backup store " + backups.location() + " already has a backup "
                    + backupId + " of cluster " + cluster.name());
        }
        return new ClusterCopy.Sources(cluster, backupId, startedAt, sources, comps);
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
    public Map<String, Object> describe(ClusterCopy.Sources plan) {
        Map<String, Object> described = new java.util.LinkedHashMap<>();
        described.put("cluster_name", plan.cluster().name());
        described.put("backup_id", plan.copyId());
        described.put("copied_instances", PlanDescription.instances(plan.shards().values()));
        described.put("dumped_comps", PlanDescription.instances(plan.comps()));
        return described;
    }

    @Override
    public String run(JobRequest.BackupCluster request, ClusterCopy.Sources plan, JobContext context) {
        String cluster = plan.cluster().name();
        int total = plan.steps() + 1;
        ClusterCopy copy = new ClusterCopy(drivers, backups, archiving.archive(), false);
        copy.begin(plan, context);
        // A cluster made before archiving existed is archived from its first backup on.
        StopArchiving.startArchiving(archiving, cluster, List.copyOf(plan.shards().keySet()), context);
        BackupManifest manifest = copy.complete(plan, context, new AtomicInteger(), total);
        applyRetention(cluster, context);
        context.step("backup " + plan.copyId() + " complete", total, total);
        return manifest.backupTime();
    }

    /**
     * The retention deletes the cluster's expired backups once this one is complete. A failure
     * there does not fail this backup (its undo would delete it): the log says why, and the next
     * backup or retention pass tries again.
     */
    private void applyRetention(String cluster, JobContext context) {
        try {
            context.step("applying the backup retention", 0, 1);
            retention.apply(cluster);
        } catch (RuntimeException e) {
            LOG.warn("cluster {}: backup retention failed: {}", cluster, e.getMessage());
        }
    }
}
