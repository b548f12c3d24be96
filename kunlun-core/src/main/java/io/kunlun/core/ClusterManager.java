package io.kunlun.core;

import io.kunlun.core.backup.DirectoryBackupStore;
import io.kunlun.core.backup.binlog.BinlogArchive;
import io.kunlun.core.backup.binlog.BinlogArchiving;
import io.kunlun.core.config.ManagerConfig;
import io.kunlun.core.config.SecretFiles;
import io.kunlun.core.hosts.Hosts;
import io.kunlun.core.hosts.SessionWait;
import io.kunlun.core.jobs.JobEngine;
import io.kunlun.core.jobs.UndoAction;
import io.kunlun.core.jobs.UndoActions;
import io.kunlun.core.meta.ManagerLease;
import io.kunlun.core.meta.MetadataStore;
import io.kunlun.core.monitor.HealthMonitor;
import io.kunlun.core.monitor.HealthProbes;
import io.kunlun.core.monitor.ManagerMetrics;
import io.kunlun.core.ops.topology.AddComps;
import io.kunlun.core.ops.topology.AddNodes;
import io.kunlun.core.ops.topology.AddShards;
import io.kunlun.core.ops.backup.BackupCluster;
import io.kunlun.core.ops.backup.BackupReads;
import io.kunlun.core.ops.instances.ControlInstance;
import io.kunlun.core.ops.clusters.CreateCluster;
import io.kunlun.core.ops.machines.CreateMachine;
import io.kunlun.core.ops.clusters.DeleteCluster;
import io.kunlun.core.ops.clusters.DeleteClusterRows;
import io.kunlun.core.ops.topology.DeleteComp;
import io.kunlun.core.ops.topology.DeleteNode;
import io.kunlun.core.ops.topology.DeleteShard;
import io.kunlun.core.ops.topology.DeleteShardRow;
import io.kunlun.core.ops.backup.BackupRetention;
import io.kunlun.core.ops.backup.DeleteBackup;
import io.kunlun.core.ops.backup.DiscardBackup;
import io.kunlun.core.ops.backup.StopArchiving;
import io.kunlun.core.ops.backup.StopBackupStream;
import io.kunlun.core.ops.Drivers;
import io.kunlun.core.ops.monitoring.MysqldExporter;
import io.kunlun.core.ops.monitoring.PostgresExporter;
import io.kunlun.core.ops.monitoring.RemoveExporter;
import io.kunlun.core.ops.instances.RemoveInstance;
import io.kunlun.core.ops.instances.RemoveOsAccount;
import io.kunlun.core.ops.machines.DeleteMachine;
import io.kunlun.core.ops.clusters.GetCredentials;
import io.kunlun.core.ops.manager.GetMeta;
import io.kunlun.core.ops.manager.GetMetaMode;
import io.kunlun.core.ops.instances.GetVariable;
import io.kunlun.core.ops.clusters.Getters;
import io.kunlun.core.ops.backup.ListBackups;
import io.kunlun.core.ops.healing.ListEvents;
import io.kunlun.core.ops.manager.ListJobs;
import io.kunlun.core.ops.machines.ListMachines;
import io.kunlun.core.ops.manager.ListManagers;
import io.kunlun.core.ops.Operation;
import io.kunlun.core.ops.backup.RestoreCluster;
import io.kunlun.core.ops.backup.RestoreNewCluster;
import io.kunlun.core.ops.backup.RetentionPasses;
import io.kunlun.core.ops.Query;
import io.kunlun.core.ops.machines.RestoreMachineRow;
import io.kunlun.core.ops.topology.RevokeNetwork;
import io.kunlun.core.ops.instances.SetVariable;
import io.kunlun.core.ops.topology.Switchover;
import io.kunlun.core.ops.machines.UpdateMachine;
import io.kunlun.core.ops.clusters.UnlinkShard;
import io.kunlun.core.ops.monitoring.UpdatePrometheus;
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

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The manager as a library: every operation of the HTTP API, callable without HTTP. Adapters (the
 * HTTP server, kunlunctl) hand it parsed {@link Submission}s and render what it answers.
 */
public final class ClusterManager implements AutoCloseable {
    /** How replies show a time: the manager's local time to the second. */
    public static final DateTimeFormatter WIRE_TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneId.systemDefault());

    private static final Logger LOG = LoggerFactory.getLogger(ClusterManager.class);
    private static final SecureRandom INCIDENTS = new SecureRandom();
    /** The inline queries that run commands on an instance's machine. */
    private static final Set<JobType> INSTANCE_QUERIES = EnumSet.of(JobType.GET_VARIABLE, JobType.SET_VARIABLE);
    /** How long an inline query waits for a free SSH session on a machine. */
    public static final Duration INLINE_SESSION_WAIT = Duration.ofSeconds(5);
    /** How soon a new leader tries again to take the jobs over when the store failed under it. */
    private static final Duration TERM_RETRY = Duration.ofSeconds(2);

    private final ManagerConfig config;
    private final MetadataStore store;
    private final Hosts hosts;
    private final Drivers drivers;
    private final JobEngine engine;
    private final ManagerMetrics metrics;
    private final Supplier<HealthMonitor> healthMonitors;
    private final Supplier<RetentionPasses> retentionPasses;
    private final Map<JobType, Query<?>> queries = new EnumMap<>(JobType.class);
    /**
     * Begins and ends this manager's terms as leader, one after the other, away from the lease's
     * heartbeat (a term's recovery may roll jobs back for minutes).
     */
    private final ScheduledExecutorService leadership = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "leadership");
        thread.setDaemon(true);
        return thread;
    });
    /** The fencing number of the term the lease says this manager leads in; 0 while it follows. */
    private volatile long leaseTerm;
    /** Set when the manager closes: no term begins any more. */
    private volatile boolean closing;
    /** The current term's health monitor; null while following. Only the leadership thread and close use it. */
    private HealthMonitor health;
    /** The current term's backup retention passes; null while following. Used as {@link #health} is. */
    private RetentionPasses retentionPass;

    private ClusterManager(ManagerConfig config, MetadataStore store, Hosts hosts) {
        this.config = config;
        this.store = store;
        this.hosts = hosts;
        this.drivers = new Drivers(config, hosts, store);
        this.metrics = new ManagerMetrics(() -> store.servingRequest(() -> store.clusters().countByStatus()));
        metrics.watchMetadataStore(store::status);
        UpdatePrometheus updatePrometheus = new UpdatePrometheus(store, config, metrics);
        DirectoryBackupStore backups = DirectoryBackupStore.configured(config.backupStore(), hosts);
        ControlInstance control = new ControlInstance(store, drivers);
        BinlogArchive archive = new BinlogArchive(hosts.get(backups.hostaddr()), backups.path(),
                Path.of(config.enginesOn(backups.hostaddr()).storageClient()).resolveSibling("mariadb-binlog").toString(),
                config.backupStore().zone());
        BinlogArchiving archiving = new BinlogArchiving(store, drivers, archive);
        metrics.watchBinlogArchive(archiving::lagBytes);
        BackupReads reads = new BackupReads();
        BackupRetention retention = new BackupRetention(backups, archive, config.backupStore().retention(),
                Clock.systemUTC(), reads);
        List<Operation<?, ?>> operations = List.of(
                new CreateMachine(store, hosts),
                new UpdateMachine(store, hosts),
                new DeleteMachine(store, hosts),
                new CreateCluster(store, hosts, drivers, archiving),
                new DeleteCluster(store, hosts, drivers, updatePrometheus, archiving),
                new AddShards(store, hosts, drivers, archiving), new DeleteShard(store, hosts, drivers, updatePrometheus, archiving),
                new AddComps(store, hosts, drivers), new DeleteComp(store, hosts, drivers, updatePrometheus),
                new AddNodes(store, hosts, drivers), new DeleteNode(store, hosts, drivers, updatePrometheus),
                updatePrometheus,
                control,
                new MysqldExporter(store, hosts, drivers, updatePrometheus),
                new PostgresExporter(store, hosts, drivers, updatePrometheus),
                new BackupCluster(store, drivers, backups, archiving, retention),
                new RestoreNewCluster(store, hosts, drivers, backups, archiving, reads),
                new RestoreCluster(store, drivers, backups, archiving, reads,
                        config.backupStore().allowRestoreInPlace()),
                new DeleteBackup(backups, retention, reads),
                new Switchover(store, drivers));
        List<UndoAction<?>> undo = new ArrayList<>(List.of(new RestoreMachineRow(store),
                new RemoveInstance(drivers, store), new DeleteClusterRows(store), new DeleteShardRow(store),
                new UnlinkShard(drivers), new RemoveExporter(drivers.exporters(), store),
                new RemoveOsAccount(drivers.osAccounts(), store), new RevokeNetwork(drivers),
                new DiscardBackup(hosts), new StopBackupStream(hosts), new StopArchiving(archiving)));
        undo.addAll(updatePrometheus.undoActions());
        UndoActions undoActions = new UndoActions(undo);
        this.engine = new JobEngine(store.jobs(), operations, undoActions, JobEngine.Settings.of(config));
        engine.onJobEnded(metrics::jobEnded);
        List<Query<?>> all = new java.util.ArrayList<>(List.of(new GetMetaMode(store), new GetMeta(store),
                new ListManagers(store),
                new ListJobs(engine), new ListMachines(store), new GetVariable(store, drivers),
                new SetVariable(store, drivers), new ListBackups(backups, archiving), new GetCredentials(store),
                new ListEvents(store)));
        all.addAll(Getters.all(store, config.exposeCredentials()));
        for (Query<?> query : all) {
            queries.put(query.type(), query);
        }
        this.retentionPasses = () -> new RetentionPasses(retention, engine);
        this.healthMonitors = () -> new HealthMonitor(store, drivers, HealthProbes.of(drivers),
                Duration.ofSeconds(config.healthIntervalSeconds()), config.healthConcurrency(), archiving::keepAlive, config.healing(), control, engine, metrics, Clock.systemUTC());
    }

    /**
     * Opens the metadata store under the configured home and joins the managers on it. When this
     * manager leads at once (it is alone, or the lease was free), its term has begun when this
     * returns: interrupted jobs recovered, work started. Otherwise it follows until the lease
     * frees. An SSH key file that group or others may access stops it first ({@link SecretFiles}).
     */
    public static ClusterManager open(ManagerConfig config) {
        SecretFiles.requirePrivate("ssh.private_key", config.ssh().privateKey());
        ManagerHome.prepare(config);
        MetadataStore store = MetadataStore.open(config.metadata(), config.home(),
                new MetaNode(config.advertisedHost(), config.advertisedPort()));
        ClusterManager manager;
        try {
            manager = new ClusterManager(config, store, new Hosts(config.ssh(),
                    () -> store.machines().list().stream().map(Machine::hostaddr).collect(Collectors.toSet()),
                    store::refusal));
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
        try {
            store.joinManagers(config.advertisedHost() + ":" + config.advertisedPort(), manager.new Terms());
            manager.leadership.submit(() -> { }).get();
        } catch (RuntimeException | ExecutionException e) {
            manager.close();
            throw e instanceof RuntimeException runtime ? runtime : new IllegalStateException(e);
        } catch (InterruptedException e) {
            manager.close();
            Thread.currentThread().interrupt();
            throw new ManagerException(ManagerException.Code.INTERRUPTED, "interrupted while the manager started");
        }
        return manager;
    }

    /** What the lease tells: each change of role is handed to the leadership thread, in order. */
    private final class Terms implements ManagerLease.Listener {
        @Override
        public void leading(long fencing) {
            leaseTerm = fencing;
            if (!closing) {
                leadership.execute(() -> beginTerm(fencing));
            }
        }

        @Override
        public void following(String leader) {
            leaseTerm = 0;
            if (!closing) {
                leadership.execute(ClusterManager.this::endTerm);
            }
        }
    }

    /**
     * This manager leads in term {@code fencing}: the engine takes over what the previous leader
     * (or run) left, as after a restart, then runs the queues; the backup retention passes start
     * (when a rule is set), and the health monitor, unless {@code healing.monitor} is off. A recovery the store failed under is tried again after a
     * pause, while the term lasts.
     */
    private void beginTerm(long fencing) {
        if (leaseTerm != fencing) {
            return; // the term ended before it began
        }
        try {
            engine.lead(fencing);
        } catch (RuntimeException e) {
            engine.abandon();
            LOG.error("cannot take the jobs over as leader (fencing number {}); trying again in {} s", fencing,
                    TERM_RETRY.toSeconds(), e);
            leadership.schedule(() -> beginTerm(fencing), TERM_RETRY.toMillis(), TimeUnit.MILLISECONDS);
            return;
        }
        retentionPass = retentionPasses.get();
        retentionPass.start(RetentionPasses.EVERY);
        if (config.healing().monitor()) {
            health = healthMonitors.get();
            health.start();
        }
    }

    /**
     * This manager stopped leading: it starts no job, retention pass or health round more, and
     * leaves its running jobs, which stop at their next statement, command or step (all refused
     * now), ongoing for the new leader to take over as after a restart. It answers requests on.
     */
    private void endTerm() {
        engine.abandon();
        if (retentionPass != null) {
            retentionPass.close();
            retentionPass = null;
        }
        if (health != null) {
            health.close();
            health = null;
        }
    }

    /**
     * The fencing number of this manager's term while it leads and may act; empty while it
     * follows (or cannot renew its lease).
     */
    public Optional<Long> leading() {
        return store.leading();
    }

    /** The manager's own metrics, for the adapter's {@code GET /metrics}. */
    public ManagerMetrics metrics() {
        return metrics;
    }

    public ManagerConfig config() {
        return config;
    }

    /**
     * Handles one request and answers in the API's reply shape (for the adapters). Its metadata
     * reads and writes use the store's request connections, never the ones jobs need.
     */
    public Map<String, Object> handle(Submission submission, Caller caller) {
        return store.servingRequest(() -> answerRequest(submission, caller));
    }

    private Map<String, Object> answerRequest(Submission submission, Caller caller) {
        try {
            if (submission.type() == JobType.GET_STATUS) {
                String jobId = ((JobRequest.GetStatus) submission.request()).jobId();
                return store.onOneConnection(() -> status(jobId).map(ClusterManager::render)
                        .orElseGet(() -> WireFormat.failed("no job with id " + jobId)));
            }
            if (submission.dryRun()) {
                // Its client waits for the answer, as for a query: no waiting behind a machine's long commands.
                return SessionWait.atMost(INLINE_SESSION_WAIT, () -> engine.dryRun(submission));
            }
            if (submission.type().isAsync()) {
                return renderAcceptance(submit(submission));
            }
            return answer(submission.request(), caller);
        } catch (ManagerException e) {
            return e.code() == ManagerException.Code.METADATA
                    ? metadataFailure(submission, e)
                    : WireFormat.failed(e.getMessage());
        } catch (InvalidRequestException e) {
            return WireFormat.failed(e.getMessage());
        } catch (JdbiException e) {
            return metadataFailure(submission, e);
        }
    }

    /**
     * A busy or unreachable store says so; any other failure gets a short reason for the client,
     * and the store's address (a JDBC URL may carry credentials) and
     * what the database said go to the manager's log.
     */
    private Map<String, Object> metadataFailure(Submission submission, RuntimeException e) {
        Optional<String> unavailable = MetadataStore.unavailability(e);
        if (unavailable.isPresent()) {
            // A busy or unreachable store is a state, not an incident: its reason is the answer.
            return WireFormat.failed(unavailable.get());
        }
        String incident = Long.toHexString(INCIDENTS.nextLong() & 0xffffffffL);
        LOG.error("incident {}: {} failed: metadata store {}: {}", incident, submission.type().wireName(),
                store.describeLocation(), MetadataStore.rootMessage(e), e);
        return WireFormat.failed("the metadata store failed while answering " + submission.type().wireName()
                + " (incident " + incident + "; the manager's log has the details)");
    }

    /** Whether answering this runs commands on a machine (the others read metadata only). */
    public static boolean reachesInstances(Submission submission) {
        // A dry run's check reads the machines (programs, free space, ports in use).
        return submission.dryRun() || INSTANCE_QUERIES.contains(submission.type());
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

    /** The operating-system accounts the managers of this store made and have not deleted. */
    public List<String> osAccounts() {
        return store.osAccounts().names();
    }

    /** The identity shared by every manager of this metadata store (see OsAccounts#nameFor). */
    public String installation() {
        return store.osAccounts().installation();
    }

    @SuppressWarnings("unchecked")
    private <R extends JobRequest> Map<String, Object> answer(R request, Caller caller) {
        Query<R> query = (Query<R>) queries.get(request.type());
        if (query == null) {
            return WireFormat.failed(request.type().wireName() + " is not implemented yet");
        }
        if (query.revealsSecrets() && !caller.mayReadSecrets()) {
            return WireFormat.failed(request.type().wireName() + " answers only a client that sent the manager's"
                    + " access token: configure server.access_token (or KUNLUN_ACCESS_TOKEN) and send it, or run"
                    + " kunlunctl with --home on the manager's home");
        }
        if (query.readsMetadataOnly()) {
            return store.onOneConnection(() -> query.answer(request));
        }
        // Its client waits for the answer: no waiting behind a machine's long job commands.
        return SessionWait.atMost(INLINE_SESSION_WAIT, () -> query.answer(request));
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
        closing = true;
        leadership.shutdownNow();
        try {
            leadership.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (retentionPass != null) {
            retentionPass.close();
        }
        if (health != null) {
            health.close();
        }
        engine.close();
        drivers.close();
        hosts.close();
        store.close();
    }
}
