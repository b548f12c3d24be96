package io.kunlun.core.ops;

import io.kunlun.core.ManagerException;
import io.kunlun.core.backup.BackupManifest;
import io.kunlun.core.backup.DirectoryBackupStore;
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
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
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
    /** The backup's time as the job's info shows it and restores take it: the manager's zone, to the second. */
    static final DateTimeFormatter BACKUP_TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneId.systemDefault());

    private final MetadataStore store;
    private final Drivers drivers;
    private final DirectoryBackupStore backups;

    public BackupCluster(MetadataStore store, Drivers drivers, DirectoryBackupStore backups) {
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
    public String run(JobRequest.BackupCluster request, ClusterCopy.Sources plan, JobContext context) {
        int total = plan.steps() + 1;
        BackupManifest manifest = new ClusterCopy(drivers, backups, false).make(plan, context, new AtomicInteger(),
                total);
        context.step("backup " + plan.copyId() + " complete", total, total);
        return manifest.backupTime();
    }
}
