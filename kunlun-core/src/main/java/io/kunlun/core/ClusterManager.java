package io.kunlun.core;

import io.kunlun.core.backup.DirectoryBackupStore;
import io.kunlun.core.config.ManagerConfig;
import io.kunlun.core.hosts.Hosts;
import io.kunlun.core.jobs.JobEngine;
import io.kunlun.core.jobs.UndoActions;
import io.kunlun.core.meta.MetadataStore;
import io.kunlun.core.monitor.HealthMonitor;
import io.kunlun.core.monitor.ManagerMetrics;
import io.kunlun.core.monitor.RestorePrometheusFiles;
import io.kunlun.core.monitor.StopStartedPrometheus;
import io.kunlun.core.ops.AddComps;
import io.kunlun.core.ops.AddNodes;
import io.kunlun.core.ops.AddShards;
import io.kunlun.core.ops.BackupCluster;
import io.kunlun.core.ops.ControlInstance;
import io.kunlun.core.ops.CreateCluster;
import io.kunlun.core.ops.CreateMachine;
import io.kunlun.core.ops.DeleteCluster;
import io.kunlun.core.ops.DeleteClusterRows;
import io.kunlun.core.ops.DeleteComp;
import io.kunlun.core.ops.DeleteNode;
import io.kunlun.core.ops.DeleteShard;
import io.kunlun.core.ops.DeleteShardRow;
import io.kunlun.core.ops.DiscardBackup;
import io.kunlun.core.ops.Drivers;
import io.kunlun.core.ops.MysqldExporter;
import io.kunlun.core.ops.PostgresExporter;
import io.kunlun.core.ops.RemoveExporter;
import io.kunlun.core.ops.RemoveInstance;
import io.kunlun.core.ops.DeleteMachine;
import io.kunlun.core.ops.GetMeta;
import io.kunlun.core.ops.GetMetaMode;
import io.kunlun.core.ops.GetVariable;
import io.kunlun.core.ops.Getters;
import io.kunlun.core.ops.ListBackups;
import io.kunlun.core.ops.ListJobs;
import io.kunlun.core.ops.ListMachines;
import io.kunlun.core.ops.Operation;
import io.kunlun.core.ops.Query;
import io.kunlun.core.ops.RestoreMachineRow;
import io.kunlun.core.ops.RevokeNetwork;
import io.kunlun.core.ops.SetVariable;
import io.kunlun.core.ops.UpdateMachine;
import io.kunlun.core.ops.UnlinkShard;
import io.kunlun.core.ops.UpdatePrometheus;
import io.kunlun.model.InvalidRequestException;
import org.jdbi.v3.core.JdbiException;
import io.kunlun.model.Machine;
import io.kunlun.model.MetaNode;
import io.kunlun.model.MetaStoreInfo;
import io.kunlun.model.job.JobRequest;
import io.kunlun.model.job.JobState;
import io.kunlun.model.job.JobStatus;
import io.kunlun.model.job.JobType;
import io.kunlun.model.job.Submission;
import io.kunlun.model.job.WireFormat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The manager as a library: every operation of the HTTP API, callable without HTTP. Adapters (the
 * HTTP server, kunlunctl) hand it parsed {@link Submission}s and render what it answers.
 */
public final class ClusterManager implements AutoCloseable {
    private static final DateTimeFormatter WIRE_TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneId.systemDefault());

    private final ManagerConfig config;
    private final MetadataStore store;
    private final Hosts hosts;
    private final JobEngine engine;
    private final ManagerMetrics metrics;
    private final HealthMonitor health;
    private final Map<JobType, Query<?>> queries = new EnumMap<>(JobType.class);

    private ClusterManager(ManagerConfig config, MetadataStore store, Hosts hosts) {
        this.config = config;
        this.store = store;
        this.hosts = hosts;
        Drivers drivers = new Drivers(config, hosts, store);
        this.metrics = new ManagerMetrics(() -> store.clusters().countByStatus());
        UpdatePrometheus updatePrometheus = new UpdatePrometheus(store, config, metrics);
        DirectoryBackupStore backups = DirectoryBackupStore.configured(config.backupStore(), hosts);
        List<Operation<?, ?>> operations = List.of(
                new CreateMachine(store, hosts),
                new UpdateMachine(store, hosts),
                new DeleteMachine(store, hosts),
                new CreateCluster(store, hosts, drivers),
                new DeleteCluster(store, hosts, drivers, updatePrometheus),
                new AddShards(store, hosts, drivers), new DeleteShard(store, hosts, drivers, updatePrometheus),
                new AddComps(store, hosts, drivers), new DeleteComp(store, hosts, drivers, updatePrometheus),
                new AddNodes(store, hosts, drivers), new DeleteNode(store, hosts, drivers, updatePrometheus),
                updatePrometheus,
                new ControlInstance(store, drivers),
                new MysqldExporter(store, hosts, drivers, updatePrometheus),
                new PostgresExporter(store, hosts, drivers, updatePrometheus),
                new BackupCluster(store, drivers, backups));
        UndoActions undoActions = new UndoActions(List.of(new RestoreMachineRow(store),
                new RemoveInstance(drivers, store), new DeleteClusterRows(store), new RestorePrometheusFiles(),
                new StopStartedPrometheus(config.prometheus()), new DeleteShardRow(store), new UnlinkShard(drivers),
                new RemoveExporter(drivers.exporters()), new RevokeNetwork(drivers), new DiscardBackup(hosts)));
        this.engine = new JobEngine(store.jobs(), operations, undoActions, config.workers());
        engine.onJobEnded(metrics::jobEnded);
        List<Query<?>> all = new java.util.ArrayList<>(List.of(new GetMetaMode(store), new GetMeta(store),
                new ListJobs(engine), new ListMachines(store), new GetVariable(store, drivers),
                new SetVariable(store, drivers), new ListBackups(backups)));
        all.addAll(Getters.all(store, config.exposeCredentials()));
        for (Query<?> query : all) {
            queries.put(query.type(), query);
        }
        this.health = new HealthMonitor(store, drivers, Duration.ofSeconds(config.healthIntervalSeconds()));
    }

    /** Opens the metadata store under the configured home, recovers interrupted jobs, starts work. */
    public static ClusterManager open(ManagerConfig config) {
        try {
            Files.createDirectories(config.home());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the manager's home " + config.home(), e);
        }
        MetadataStore store = MetadataStore.open(config.metadata(), config.home(),
                new MetaNode(config.advertisedHost(), config.advertisedPort()));
        ClusterManager manager = new ClusterManager(config, store, new Hosts(config.ssh()));
        manager.engine.recover();
        manager.health.start();
        return manager;
    }

    /** The manager's own metrics, for the adapter's {@code GET /metrics}. */
    public ManagerMetrics metrics() {
        return metrics;
    }

    public ManagerConfig config() {
        return config;
    }

    /** Handles one request and answers in the API's reply shape (for the adapters). */
    public Map<String, Object> handle(Submission submission) {
        try {
            if (submission.type() == JobType.GET_STATUS) {
                String jobId = ((JobRequest.GetStatus) submission.request()).jobId();
                return status(jobId).map(ClusterManager::render)
                        .orElseGet(() -> WireFormat.failed("no job with id " + jobId));
            }
            if (submission.type().isAsync()) {
                return renderAcceptance(submit(submission));
            }
            return answer(submission.request());
        } catch (ManagerException | InvalidRequestException e) {
            return WireFormat.failed(e.getMessage());
        } catch (JdbiException e) {
            return WireFormat.failed("metadata store " + store.describeLocation() + " failed: "
                    + MetadataStore.rootMessage(e));
        }
    }

    /** Accepts an async job; the answer is its status now (accept, or later if it was re-submitted). */
    public JobStatus submit(Submission submission) {
        if (!submission.type().isAsync()) {
            throw new InvalidRequestException(submission.type().wireName() + " is answered inline, not queued");
        }
        return engine.submit(submission);
    }

    public Optional<JobStatus> status(String jobId) {
        return engine.status(jobId);
    }

    /** Waits for a job to end, at most {@code timeout}. */
    public JobStatus await(String jobId, Duration timeout) throws InterruptedException {
        return engine.await(jobId, timeout);
    }

    public List<JobStatus> jobs(int limit) {
        return engine.newest(limit);
    }

    public List<Machine> machines() {
        return store.machines().list();
    }

    public MetaStoreInfo metaStore() {
        return store.describe();
    }

    @SuppressWarnings("unchecked")
    private <R extends JobRequest> Map<String, Object> answer(R request) {
        Query<R> query = (Query<R>) queries.get(request.type());
        if (query == null) {
            return WireFormat.failed(request.type().wireName() + " is not implemented yet");
        }
        return query.answer(request);
    }

    /**
     * The answer to a submission: accept, also when the same request was sent before and its job
     * has moved on since (its progress is get_status's to tell).
     */
    private static Map<String, Object> renderAcceptance(JobStatus status) {
        Map<String, Object> reply = WireFormat.reply(JobState.ACCEPT.wireName(), null);
        reply.put("job_id", status.jobId());
        reply.put("job_type", status.jobType().wireName());
        reply.put("submitted_at", WIRE_TIME.format(status.submittedAt()));
        return reply;
    }

    /** A job's status in get_status's shape: result and info, then the extra fields. */
    public static Map<String, Object> render(JobStatus status) {
        Map<String, Object> reply = WireFormat.reply(status.state().wireName(), status.info());
        reply.put("job_id", status.jobId());
        reply.put("job_type", status.jobType().wireName());
        if (status.step() != null) {
            reply.put("step", status.step());
        }
        status.progress().ifPresent(progress -> reply.put("progress", progress));
        reply.put("submitted_at", WIRE_TIME.format(status.submittedAt()));
        status.startedAt().ifPresent(at -> reply.put("started_at", WIRE_TIME.format(at)));
        status.endedAt().ifPresent(at -> reply.put("ended_at", WIRE_TIME.format(at)));
        return reply;
    }

    @Override
    public void close() {
        health.close();
        engine.close();
        hosts.close();
        store.close();
    }
}
