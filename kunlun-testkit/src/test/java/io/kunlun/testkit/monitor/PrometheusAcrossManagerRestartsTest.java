package io.kunlun.testkit.monitor;

import io.kunlun.testkit.ManagedProcesses;
import io.kunlun.testkit.ManagerProcess;
import io.kunlun.testkit.Reply;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The manager's Prometheus outlives the manager process: a restarted manager reuses it. */
class PrometheusAcrossManagerRestartsTest {
    private static final String PROMETHEUS_HOST = "127.0.0.76";
    private static final String UPDATE = "{\"job_type\":\"update_prometheus\"}";

    @RegisterExtension
    ManagedProcesses processes = ManagedProcesses.create();
    @TempDir
    Path home;

    @AfterEach
    void stopPrometheus() {
        PrometheusApi.killManagedPrometheus(home);
    }

    private long recordedPid() throws Exception {
        return Long.parseLong(Files.readString(home.resolve("prometheus/prometheus.pid")).strip());
    }

    /** SIGTERM, as a service manager stops it: the manager's shutdown runs; Prometheus is not its to stop. */
    private static void stop(ManagerProcess manager) throws Exception {
        ProcessHandle process = ProcessHandle.of(manager.pid()).orElseThrow();
        process.destroy();
        process.onExit().get(30, TimeUnit.SECONDS);
    }

    @Test
    void aStoppedAndRestartedManagerFindsItsPrometheusRunningAndReloadsIt(@TempDir Path configDir) throws Exception {
        int port = PrometheusApi.freePort(PROMETHEUS_HOST);
        Path config = Files.writeString(configDir.resolve("manager.json"), "{\"prometheus\":{\"bind\":\""
                + PROMETHEUS_HOST + "\",\"port\":" + port + ",\"scrape_interval_seconds\":1}}");
        PrometheusApi prometheus = new PrometheusApi(PROMETHEUS_HOST, port);
        ManagerProcess manager = ManagerProcess.start(home, processes, "--config", config.toString());
        Reply first = manager.client().submitAndAwait(UPDATE);
        assertThat(first.info()).as(first.toString()).isEqualTo("update prometheus succeed");
        long pid = recordedPid();

        stop(manager);
        manager.restart();

        assertThat(prometheus.isReady()).isTrue();
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).hasValue(true);
        String loadedBefore = prometheus.lastConfigTime();
        Reply second = manager.client().submitAndAwait(UPDATE);
        assertThat(second.info()).as(second.toString()).isEqualTo("update prometheus succeed");
        assertThat(recordedPid()).isEqualTo(pid);
        assertThat(prometheus.lastConfigTime()).isNotEqualTo(loadedBefore);
        prometheus.awaitUp("kunlun_manager", "127.0.0.1:" + manager.port());
    }
}
