package io.kunlun.core.monitor;

import io.kunlun.core.config.ManagerConfig.PrometheusConfig;
import io.kunlun.core.jobs.JobContext;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The side effects of update_prometheus, each recorded in the undo log first. For the manager's
 * own Prometheus: its configuration and target files under the home, then a reload of the running
 * one, or a start when none runs (a restart when the configuration moved it). For a Prometheus
 * at a URL: the target files in its targets directory, then its reload.
 */
public final class PrometheusUpdate {
    private final PrometheusConfig config;
    private final Path home;
    private final ManagedPrometheus managed;
    private final ManagerMetrics metrics;

    public PrometheusUpdate(PrometheusConfig config, Path home, ManagerMetrics metrics) {
        this.config = config;
        this.home = home;
        this.managed = new ManagedPrometheus(config, home);
        this.metrics = metrics;
    }

    public void apply(PrometheusTargets targets, JobContext context) {
        if (config.isManaged()) {
            applyManaged(targets, context);
        } else {
            context.step("writing targets in " + config.targetsDir(), 0, 2);
            write(config.targetsDir(), targets.files(), context);
            context.step("reloading prometheus at " + config.url(), 1, 2);
            PrometheusHttp.reload(config.url());
            context.step("done", 2, 2);
        }
    }

    /**
     * Rewrites the target files where they were last written, only when they differ from the
     * given targets; nothing when they were never written. Nothing is reloaded or started:
     * Prometheus watches its file_sd files.
     */
    public void rewriteWrittenTargets(PrometheusTargets targets) {
        Path directory = targetsDir();
        Map<String, String> files = targets.files();
        Map<String, String> written = PrometheusFiles.read(directory, files.keySet());
        if (written.values().stream().allMatch(Objects::isNull) || written.equals(files)) {
            return;
        }
        PrometheusFiles.write(directory, files);
    }

    /** Where the target files are: under the home for the manager's own Prometheus, else the configured directory. */
    public Path targetsDir() {
        return config.isManaged() ? managed.targetsDir() : config.targetsDir();
    }

    private void applyManaged(PrometheusTargets targets, JobContext context) {
        context.step("writing targets in " + managed.targetsDir(), 0, 2);
        write(managed.targetsDir(), targets.files(), context);
        Optional<String> token = metrics.scrapeBearerToken();
        // The token is the server's current one, not history: it is written, not restored by undo.
        if (token.isPresent()) {
            PrometheusFiles.writePrivate(managed.tokenFile(), token.get());
        } else {
            PrometheusFiles.delete(managed.tokenFile());
        }
        Map<String, String> configuration = new LinkedHashMap<>();
        configuration.put(managed.configFile().getFileName().toString(), managed.configuration(token.isPresent()));
        write(managed.directory(), configuration, context);

        Optional<ProcessHandle> running = managed.running();
        if (running.isPresent() && managed.runsAsConfigured(running.get())) {
            context.step("reloading prometheus at " + managed.url(), 1, 2);
            PrometheusHttp.reload(managed.url());
        } else {
            // One that runs with other settings (another port, say) gives way: the configuration
            // is what should run, so its stop is not undone.
            running.ifPresent(outdated -> managed.stop());
            context.step("starting prometheus at " + managed.url(), 1, 2);
            context.willDo(StopStartedPrometheus.NAME, new StopStartedPrometheus.Started(home.toString()));
            managed.start();
        }
        context.step("done", 2, 2);
    }

    private static void write(Path directory, Map<String, String> files, JobContext context) {
        context.willDo(RestorePrometheusFiles.NAME, RestorePrometheusFiles.capture(directory, files));
        PrometheusFiles.write(directory, files);
    }
}
