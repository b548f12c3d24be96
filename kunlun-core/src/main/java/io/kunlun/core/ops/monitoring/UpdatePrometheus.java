package io.kunlun.core.ops.monitoring;

import io.kunlun.core.ops.Operation;

import io.kunlun.core.ManagerException;
import io.kunlun.core.config.ManagerConfig;
import io.kunlun.core.config.ManagerConfig.PrometheusConfig;
import io.kunlun.core.jobs.JobContext;
import io.kunlun.core.meta.MetadataStore;
import io.kunlun.core.monitor.ManagerMetrics;
import io.kunlun.core.monitor.PrometheusTargets;
import io.kunlun.core.monitor.PrometheusUpdate;
import io.kunlun.core.monitor.RestorePrometheusFiles;
import io.kunlun.core.monitor.RewriteTargetsFromMetadata;
import io.kunlun.core.monitor.StopStartedPrometheus;
import io.kunlun.core.jobs.UndoAction;
import io.kunlun.model.Machine;
import io.kunlun.model.job.JobRequest;
import io.kunlun.model.job.JobType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * update_prometheus: writes the scrape targets the metadata implies (the manager, every machine's
 * node exporter, every instance's exporter) and makes Prometheus load them: the manager's own
 * Prometheus, started if it does not run, or the one at the configured URL.
 */
public final class UpdatePrometheus implements Operation<JobRequest.UpdatePrometheus, Void> {
    /** One update at a time: they write the same files and start the same Prometheus. */
    public static final String LOCK_KEY = "prometheus";

    private final MetadataStore store;
    private final ManagerConfig config;
    private final PrometheusUpdate update;
    /**
     * The lock of the Prometheus files, held while the targets are read from the metadata and
     * written, and while an undo puts files back: jobs of different clusters (an exporter
     * started, a deletion, their rollbacks) and update_prometheus write the same files under
     * different lock keys, and a writer that read the metadata earlier must not overwrite a later
     * one's files with its older view.
     */
    private final Object targetsLock = new Object();

    public UpdatePrometheus(MetadataStore store, ManagerConfig config, ManagerMetrics metrics) {
        this.store = store;
        this.config = config;
        this.update = new PrometheusUpdate(config.prometheus(), config.home(), metrics);
    }

    @Override
    public JobType type() {
        return JobType.UPDATE_PROMETHEUS;
    }

    @Override
    public String lockKey(JobRequest.UpdatePrometheus request) {
        return LOCK_KEY;
    }

    @Override
    public Void check(JobRequest.UpdatePrometheus request, JobContext context) {
        requireUsable();
        return null;
    }

    @Override
    public String run(JobRequest.UpdatePrometheus request, Void nothing, JobContext context) {
        refresh(context);
        return "update prometheus succeed";
    }

    /** Refuses a configuration under which no Prometheus can be updated; no side effects. */
    public void requireUsable() {
        PrometheusConfig prometheus = config.prometheus();
        if (prometheus.isManaged() && !Files.isExecutable(prometheus.binary())) {
            throw ManagerException.refused("the Prometheus binary " + prometheus.binary()
                    + " is not an executable file (prometheus.binary in the configuration)");
        }
        if (!prometheus.isManaged()) {
            Path targets = prometheus.targetsDir();
            if (!Files.isDirectory(targets) || !Files.isWritable(targets)) {
                throw ManagerException.refused("the Prometheus targets directory " + targets
                        + " is not a writable directory (prometheus.targets_dir in the configuration)");
            }
        }
    }

    /** The undo actions of the Prometheus files and process, under this update's lock. */
    public List<UndoAction<?>> undoActions() {
        return List.of(new RestorePrometheusFiles(targetsLock), new StopStartedPrometheus(config.prometheus(), targetsLock),
                new RewriteTargetsFromMetadata(this::dropGoneTargets));
    }

    /**
     * Records, before a job adds targets to the metadata, that its rollback rewrites the target
     * files from the metadata once its rows are gone.
     */
    public void willRewriteTargets(JobContext context) {
        context.willDo(RewriteTargetsFromMetadata.NAME,
                new RewriteTargetsFromMetadata.Targets(update.targetsDir().toString()));
    }

    /**
     * The update as part of another job that changed the targets (an exporter started): the
     * targets the metadata implies now, written and loaded.
     */
    public void refresh(JobContext context) {
        synchronized (targetsLock) {
            update.apply(targets(), context);
        }
    }

    /**
     * The targets after instances and their exporters went away (the delete jobs): rewritten if
     * they still name what the metadata no longer has. A delete resumed after a restart finds
     * them stale again if its first run stopped before this; Prometheus is neither started nor
     * reloaded by a deletion, it watches the files.
     */
    public void dropGoneTargets() {
        synchronized (targetsLock) {
            update.rewriteWrittenTargets(targets());
        }
    }

    private PrometheusTargets targets() {
        return PrometheusTargets.of(config.advertisedHost(), config.advertisedPort(),
                store.machines().list().stream().map(Machine::hostaddr).toList(),
                config.prometheus().nodeExporterPort(), store.exporters().list());
    }
}
