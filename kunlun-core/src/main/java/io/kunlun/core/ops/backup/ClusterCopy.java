package io.kunlun.core.ops.backup;

import io.kunlun.core.ops.clusters.ClusterBuilder;
import io.kunlun.core.ops.Drivers;
import io.kunlun.core.ops.Parallel;

import io.kunlun.core.ManagerException;
import io.kunlun.core.backup.BackupManifest;
import io.kunlun.core.backup.binlog.BinlogArchive;
import io.kunlun.core.backup.BackupStore;
import io.kunlun.core.backup.DirectoryBackupStore;
import io.kunlun.core.backup.StoredFile;
import io.kunlun.core.engines.ComputeEngine;
import io.kunlun.core.engines.StorageNode;
import io.kunlun.core.engines.MarkedProcesses;
import io.kunlun.core.engines.StreamedBackup;
import io.kunlun.core.hosts.Command;
import io.kunlun.core.jobs.JobContext;
import io.kunlun.model.Cluster;
import io.kunlun.model.Instance;
import io.kunlun.model.Role;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A cluster's data copied into one directory of a backup store, as backup_cluster makes a backup
 * and restore_cluster keeps aside the data it is about to replace: every shard's physical copy,
 * all at once, streamed from its source node's machine straight into the store; each comp's
 * schema of the client database and its roles; every file read back from the store and checked
 * against what arrived; then the manifest, which makes the copy complete. The cluster is only
 * read. The directory's removal is recorded before it is made, so a failure leaves no partial copy.
 */
public final class ClusterCopy {
    /** Copy ids are the check's time in UTC: they sort by time and name no zone twice a year. */
    static final DateTimeFormatter COPY_ID =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    /** How often the bytes in the store are shown while the shards are copied. */
    private static final Duration PROGRESS_INTERVAL = Duration.ofSeconds(2);

    /** What is copied: the node each shard is copied from, and the comps whose schema is dumped. */
    record Sources(Cluster cluster, String copyId, Instant startedAt, Map<String, Instance> shards,
                   List<Instance> comps) {
        /** The steps {@link #make} reports. */
        int steps() {
            return shards.size() + comps.size() + 1;
        }
    }

    /** Below this many free bytes after a failed copy, the store's file system is taken as what failed it. */
    private static final long NEARLY_FULL_BYTES = 1 << 20;

    private final Drivers drivers;
    private final DirectoryBackupStore store;
    private final boolean keptAside;
    private final BinlogArchive archive;

    /**
     * @param archive   the binlog archive, whose zone the copy's time is shown in
     * @param keptAside whether the copy is of data about to be replaced ({@link DirectoryBackupStore#keptAside()})
     */
    ClusterCopy(Drivers drivers, DirectoryBackupStore store, BinlogArchive archive, boolean keptAside) {
        this.drivers = drivers;
        this.archive = archive;
        this.store = keptAside ? store.keptAside() : store;
        this.keptAside = keptAside;
    }

    /** Where the copy goes, as messages name it. */
    String location(Sources sources) {
        return store.location(sources.cluster().name(), sources.copyId());
    }

    /** Records the copy's removal, then makes its empty directory, marked as the job's. */
    void begin(Sources sources, JobContext context) {
        String cluster = sources.cluster().name();
        context.willDo(DiscardBackup.NAME, new DiscardBackup.Payload(store.hostaddr(), store.path(), cluster,
                sources.copyId(), context.jobId(), keptAside));
        store.create(cluster, sources.copyId(), context.jobId());
    }

    /**
     * Fills the directory {@link #begin} made and makes the copy complete; answers its manifest.
     * Counts its steps ({@link Sources#steps()}) in {@code done}, of the job's {@code total}.
     */
    BackupManifest complete(Sources sources, JobContext context, AtomicInteger done, int total) {
        String cluster = sources.cluster().name();
        String copyId = sources.copyId();
        long estimate = dataBytes(drivers, sources.shards().values());
        String copying = "copying " + sources.shards().size() + (sources.shards().size() == 1 ? " shard" : " shards")
                + " to " + location(sources) + ": ";
        Runnable progress = () -> context.step(copying + mebibytes(store.bytesStored(cluster, copyId))
                + " MiB stored of " + mebibytes(estimate) + " MiB of data", done.get(), total);
        Map<String, BackupManifest.ShardCopy> copies = new ConcurrentHashMap<>();
        // The streams' sending ends are recorded to be stopped first, here: a manager killed
        // meanwhile leaves them running on the sources' machines. Not from the streams' own
        // threads: the undo log takes its records one after the other.
        String marker = MarkedProcesses.marker("backup", context.jobId());
        sources.shards().values().stream().map(Instance::hostaddr).distinct().forEach(hostaddr ->
                context.willDo(StopBackupStream.NAME, new StopBackupStream.Payload(hostaddr, marker)));
        ScheduledExecutorService reporter = Executors.newSingleThreadScheduledExecutor();
        try {
            reporter.scheduleWithFixedDelay(() -> {
                try {
                    progress.run();
                } catch (RuntimeException e) {
                    // Progress is for show; a failed look at the store must not stop the copy.
                }
            }, 0, PROGRESS_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
            Parallel.run(sources.shards().entrySet().stream().<Runnable>map(shard -> () -> {
                copies.put(shard.getKey(), copy(cluster, copyId, shard.getKey(), shard.getValue(), marker));
                done.incrementAndGet();
            }).toList());
        } catch (ManagerException e) {
            throw namingAFullStore(sources, e);
        } finally {
            reporter.shutdownNow();
            awaitQuietly(reporter);
        }
        Map<String, BackupManifest.CompSchema> schemas = new ConcurrentHashMap<>();
        Parallel.run(sources.comps().stream().<Runnable>map(comp -> () -> {
            String name = comp.compName().orElseThrow();
            schemas.put(name, dumpSchema(cluster, copyId, comp));
            context.step("dumped the schema of " + name, done.incrementAndGet(), total);
        }).toList());
        BackupManifest manifest = manifest(sources, context.jobId(), copies, schemas);
        context.step("verifying " + manifest.files().size() + " files in the store", done.incrementAndGet(), total);
        store.firstMismatch(manifest).ifPresent(mismatch -> {
            throw new ManagerException(ManagerException.Code.COMMAND_FAILED, "backup store " + location(sources)
                    + "/" + mismatch.recorded().path() + " holds " + mismatch.stored().bytes() + " bytes with sha256 "
                    + mismatch.stored().sha256() + ", but " + mismatch.recorded().bytes() + " bytes with sha256 "
                    + mismatch.recorded().sha256() + " were written");
        });
        store.commit(manifest);
        return manifest;
    }

    /**
     * A copy that failed with the store's file system out of space fails naming that: the
     * sender's own error (a broken pipe) is what arrives first, and does not say why.
     */
    private ManagerException namingAFullStore(Sources sources, ManagerException failure) {
        long free;
        try {
            free = store.freeBytes();
        } catch (RuntimeException e) {
            failure.addSuppressed(e);
            return failure;
        }
        if (free >= NEARLY_FULL_BYTES) {
            return failure;
        }
        return new ManagerException(ManagerException.Code.COMMAND_FAILED, "backup store " + store.location()
                + " ran out of space while copying to " + location(sources) + " (" + free + " bytes free): "
                + failure.getMessage(), failure);
    }

    /**
     * The size of the sources' data directories: what the copies will hold before compression.
     * Read with du on each source's machine at once.
     */
    static long dataBytes(Drivers drivers, Collection<Instance> sources) {
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

    static long mebibytes(long bytes) {
        return bytes >> 20;
    }

    /** Streams the shard's copy from its source into the store, its sending end carrying the marker. */
    private BackupManifest.ShardCopy copy(String cluster, String copyId, String shard, Instance source,
                                          String marker) {
        Instant started = Instant.now();
        StreamedBackup backup = ClusterBuilder.naming(shard + " node ", () -> {
            BackupStore.StoreFile target = store.streamTarget(cluster, copyId, shard + "/backup");
            return drivers.storage(source.hostaddr()).backup(drivers.storageNode(source), target.host(),
                    target.file(), marker);
        });
        String file = shard + "/" + backup.file().substring(backup.file().lastIndexOf('/') + 1);
        return new BackupManifest.ShardCopy(shard, source.address(), source.role().orElse(Role.PRIMARY).wireName(),
                new StoredFile(file, backup.bytes(), backup.sha256()), backup.compression(),
                backup.position().file(), backup.position().offset(), backup.position().gtid().text(),
                started.toString(), Instant.now().toString());
    }

    private BackupManifest.CompSchema dumpSchema(String cluster, String copyId, Instance comp) {
        String name = comp.compName().orElseThrow();
        ComputeEngine engine = drivers.compute(comp.hostaddr());
        return ClusterBuilder.naming(name + " ", () -> new BackupManifest.CompSchema(name, comp.address(),
                ClusterBuilder.CLIENT_DATABASE,
                store.write(cluster, copyId, name + "/schema.sql", engine.dumpSchema(drivers.computeNode(comp),
                        ClusterBuilder.CLIENT_DATABASE).getBytes(StandardCharsets.UTF_8)),
                store.write(cluster, copyId, name + "/roles.sql",
                        engine.dumpRoles(drivers.computeNode(comp)).getBytes(StandardCharsets.UTF_8))));
    }

    /**
     * The copy's time is when its last shard copy ended: every shard's copy is consistent to a
     * moment at or before it (mariadb-backup takes its consistent point near the end of a copy).
     */
    private BackupManifest manifest(Sources sources, String jobId, Map<String, BackupManifest.ShardCopy> copies,
                                           Map<String, BackupManifest.CompSchema> schemas) {
        List<BackupManifest.ShardCopy> shards = sources.shards().keySet().stream().map(copies::get).toList();
        Instant consistentAt = shards.stream().map(copy -> Instant.parse(copy.endedAt())).max(Instant::compareTo)
                .orElse(sources.startedAt());
        Cluster cluster = sources.cluster();
        BackupManifest.Spec spec = new BackupManifest.Spec(cluster.spec().haMode().wireName(), cluster.shards(),
                cluster.spec().nodes(), cluster.comps(), cluster.spec().maxStorageSizeGb(),
                cluster.spec().maxConnections(), cluster.spec().cpuCores(), cluster.spec().innodbSizeGb());
        return new BackupManifest(BackupManifest.FORMAT, sources.copyId(), cluster.name(), jobId, spec,
                sources.startedAt().toString(), Instant.now().toString(), consistentAt.toString(),
                archive.timeOf(consistentAt), shards,
                sources.comps().stream().map(comp -> schemas.get(comp.compName().orElseThrow())).toList());
    }
}
