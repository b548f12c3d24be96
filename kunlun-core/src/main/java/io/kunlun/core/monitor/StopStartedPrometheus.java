package io.kunlun.core.monitor;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.kunlun.core.config.ManagerConfig.PrometheusConfig;
import io.kunlun.core.jobs.UndoAction;

import java.nio.file.Path;

/**
 * Undo of a job starting the manager's Prometheus (update_prometheus, or an exporter job
 * refreshing the targets): stops it unless it serves. Recorded only when none ran, under the
 * lock of the Prometheus files. One that does not answer {@code /-/ready} is what a failed start
 * left: it is stopped. One that answers serves every job's targets, which other jobs may have
 * reloaded it with since (a manager stopped between the start and the job's end, say): it stays;
 * the targets it reads are put back by the job's other undo records.
 */
public final class StopStartedPrometheus implements UndoAction<StopStartedPrometheus.Started> {
    public static final String NAME = "stop-started-prometheus";

    /** The manager's home, where the Prometheus keeps its pid file. */
    public record Started(@JsonProperty("home") String home) {
    }

    private final PrometheusConfig config;
    private final Object filesLock;

    /** {@code filesLock} is the lock the writers of the Prometheus files hold. */
    public StopStartedPrometheus(PrometheusConfig config, Object filesLock) {
        this.config = config;
        this.filesLock = filesLock;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Class<Started> payloadType() {
        return Started.class;
    }

    @Override
    public void undo(Started started) {
        ManagedPrometheus managed = new ManagedPrometheus(config, Path.of(started.home()));
        synchronized (filesLock) {
            if (!PrometheusHttp.isReady(managed.url())) {
                managed.stop();
            }
        }
    }
}
