package io.kunlun.testkit.monitor;

import com.fasterxml.jackson.databind.JsonNode;
import io.kunlun.core.config.ManagerConfig.PrometheusConfig;
import io.kunlun.testkit.LoopbackMachine;
import io.kunlun.testkit.LoopbackMachines;
import io.kunlun.testkit.Reply;
import io.kunlun.testkit.TestManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * update_prometheus with nothing configured: the manager runs its own Prometheus (here on
 * 127.0.0.70, a free port, scraping every second) and keeps it running from one update to the
 * next.
 */
class ManagedPrometheusOverHttpTest {
    private static final String PROMETHEUS_HOST = "127.0.0.70";
    private static final int PROMETHEUS_PORT = PrometheusApi.freePort(PROMETHEUS_HOST);
    /** A target file of a job without targets: one group with none. */
    private static final String NO_TARGETS = "[ {\n  \"targets\" : [ ],\n  \"labels\" : { }\n} ]\n";
    private static final String UPDATE = "{\"job_type\":\"update_prometheus\",\"user_name\":\"tester\"}";

    @RegisterExtension
    static TestManager manager = TestManager.builder()
            .configure(config -> config.withPrometheus(
                    PrometheusConfig.managed(PROMETHEUS_HOST, PROMETHEUS_PORT).withScrapeIntervalSeconds(1)))
            .build();
    @RegisterExtension
    static LoopbackMachines machines = LoopbackMachines.range("127.0.0.71", "127.0.0.73");

    private static final PrometheusApi prometheus = new PrometheusApi(PROMETHEUS_HOST, PROMETHEUS_PORT);
    private static LoopbackMachine machine;
    private static Reply firstUpdate;

    @BeforeAll
    static void registerAMachineAndUpdate() {
        machine = machines.take();
        assertThat(manager.submitAndAwait(machine.createMachineJson("create-" + machine.hostaddr())).result())
                .isEqualTo("done");
        firstUpdate = manager.submitAndAwait(UPDATE);
    }

    @AfterAll
    static void stopPrometheus() {
        PrometheusApi.killManagedPrometheus(manager.home());
    }

    private static Path prometheusDir() {
        return manager.home().resolve("prometheus");
    }

    private static long recordedPid() throws Exception {
        return Long.parseLong(Files.readString(prometheusDir().resolve("prometheus.pid")).strip());
    }

    @Test
    void theFirstUpdateIsDoneAndStartsPrometheus() throws Exception {
        assertThat(firstUpdate.result()).as(firstUpdate.toString()).isEqualTo("done");
        assertThat(firstUpdate.info()).isEqualTo("update prometheus succeed");
        assertThat(prometheus.isReady()).isTrue();
        assertThat(ProcessHandle.of(recordedPid())).hasValueSatisfying(process ->
                assertThat(process.info().command()).hasValue("/usr/bin/prometheus"));
    }

    @Test
    void prometheusScrapesTheManagersOwnMetricsWithItsLabels() {
        String address = "127.0.0.1:" + manager.port();

        JsonNode target = prometheus.awaitUp("kunlun_manager", address);

        assertThat(target.get("scrapeUrl").asText()).isEqualTo("http://" + address + "/metrics");
        assertThat(PrometheusApi.labels(target))
                .containsEntry("job", "kunlun_manager")
                .containsEntry("hostaddr", "127.0.0.1");
    }

    @Test
    void everyMachineIsANodeExporterTargetLabelledWithItsAddress() {
        String address = machine.hostaddr() + ":9100";

        JsonNode target = prometheus.awaitTarget("node", address, any -> true);

        assertThat(target.get("scrapeUrl").asText()).isEqualTo("http://" + address + "/metrics");
        assertThat(PrometheusApi.labels(target)).containsEntry("hostaddr", machine.hostaddr());
    }

    @Test
    void theTargetFilesHoldWhatTheMetadataHas() throws Exception {
        Path targets = prometheusDir().resolve("targets");

        assertThat(Files.readString(targets.resolve("manager.json")))
                .contains("\"127.0.0.1:" + manager.port() + "\"");
        assertThat(Files.readString(targets.resolve("machines.json"))).contains("\"" + machine.hostaddr() + ":9100\"");
        assertThat(Files.readString(targets.resolve("mysqld.json"))).isEqualTo(NO_TARGETS);
        assertThat(Files.readString(targets.resolve("postgres.json"))).isEqualTo(NO_TARGETS);
    }

    @Test
    void aSecondUpdateReloadsTheRunningPrometheusInsteadOfStartingAnother() throws Exception {
        long pid = recordedPid();
        String loadedBefore = prometheus.lastConfigTime();

        Reply second = manager.submitAndAwait(UPDATE);

        assertThat(second.info()).as(second.toString()).isEqualTo("update prometheus succeed");
        assertThat(recordedPid()).isEqualTo(pid);
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).hasValue(true);
        assertThat(prometheus.lastConfigTime()).isNotEqualTo(loadedBefore);
    }

    @Test
    void aMachineRegisteredLaterIsATargetAfterTheNextUpdate() {
        LoopbackMachine later = machines.take();
        manager.submitAndAwait(later.createMachineJson("create-" + later.hostaddr()));

        assertThat(manager.submitAndAwait(UPDATE).result()).isEqualTo("done");

        assertThat(PrometheusApi.labels(prometheus.awaitTarget("node", later.hostaddr() + ":9100", any -> true)))
                .isEqualTo(Map.of("hostaddr", later.hostaddr(), "instance", later.hostaddr() + ":9100",
                        "job", "node"));
    }
}
