package io.kunlun.core.monitor;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.kunlun.core.config.ManagerConfig.PrometheusConfig;
import io.kunlun.core.jobs.UndoAction;

import java.nio.file.Path;

/**
 * Undo of update_prometheus starting the manager's Prometheus: stops it. Recorded only when none
 * ran, and the job holds the Prometheus lock, so the one running now is the one the job started.
 */
public final class StopStartedPrometheus implements UndoAction<StopStartedPrometheus.Started> {
    public static final String NAME = "stop-started-prometheus";

    /** The manager's home, where the Prometheus keeps its pid file. */
    public record Started(@JsonProperty("home") String home) {
    }

    private final PrometheusConfig config;

    public StopStartedPrometheus(PrometheusConfig config) {
        this.config = config;
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
        new ManagedPrometheus(config, Path.of(started.home())).stop();
    }
}
