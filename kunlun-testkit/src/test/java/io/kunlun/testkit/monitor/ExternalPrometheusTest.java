package io.kunlun.testkit.monitor;

import io.kunlun.core.config.ManagerConfig.PrometheusConfig;
import io.kunlun.testkit.ManagedProcesses;
import io.kunlun.testkit.Reply;
import io.kunlun.testkit.TestManager;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * update_prometheus with a Prometheus URL configured: the operator's Prometheus (here one the
 * test runs, configured as docs/monitoring.md shows) reads the target files from its directory
 * and is asked to reload; the manager starts none of its own.
 */
class ExternalPrometheusTest {
    private static final String HOST = "127.0.0.77";
    private static final int PORT = PrometheusApi.freePort(HOST);
    private static final String URL = "http://" + HOST + ":" + PORT;
    private static final String UPDATE = "{\"job_type\":\"update_prometheus\"}";

    @RegisterExtension
    static ManagedProcesses processes = ManagedProcesses.create();
    @TempDir
    static Path prometheusDir;

    private static final PrometheusApi prometheus = new PrometheusApi(HOST, PORT);

    @BeforeAll
    static void startTheOperatorsPrometheus() throws Exception {
        Path targets = Files.createDirectory(prometheusDir.resolve("kunlun"));
        StringBuilder yaml = new StringBuilder("""
                global:
                  scrape_interval: 1s
                  scrape_timeout: 1s
                scrape_configs:
                """);
        for (String[] job : List.of(new String[] {"kunlun_manager", "manager.json"},
                new String[] {"node", "machines.json"}, new String[] {"mysqld", "mysqld.json"},
                new String[] {"postgres", "postgres.json"})) {
            yaml.append("  - job_name: ").append(job[0]).append("\n")
                    .append("    file_sd_configs:\n")
                    .append("      - files: ['").append(targets.resolve(job[1])).append("']\n");
        }
        Path config = Files.writeString(prometheusDir.resolve("prometheus.yml"), yaml);
        processes.start(new ProcessBuilder("/usr/bin/prometheus", "--config.file=" + config,
                "--storage.tsdb.path=" + prometheusDir.resolve("data"), "--web.listen-address=" + HOST + ":" + PORT,
                "--web.enable-lifecycle")
                .redirectErrorStream(true)
                .redirectOutput(prometheusDir.resolve("prometheus.log").toFile()));
        long deadline = System.nanoTime() + PrometheusApi.TARGET_TIMEOUT.toNanos();
        while (!prometheus.isReady()) {
            assertThat(System.nanoTime()).as("prometheus ready within %s; log:%n%s", PrometheusApi.TARGET_TIMEOUT,
                    Files.readString(prometheusDir.resolve("prometheus.log"))).isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    private static TestManager managerWith(PrometheusConfig config) {
        UnaryOperator<io.kunlun.core.config.ManagerConfig> configure = manager -> manager.withPrometheus(config);
        return TestManager.builder().configure(configure).build().start();
    }

    @Test
    void theTargetsGoWhereItReadsThemAndItIsReloaded() throws InterruptedException {
        try (TestManager manager = managerWith(PrometheusConfig.external(URL, prometheusDir.resolve("kunlun")))) {
            String loadedBefore = prometheus.lastConfigTime();
            // Prometheus reports its load time to the second: a reload must fall in a later one.
            Thread.sleep(1100);

            Reply update = manager.submitAndAwait(UPDATE);

            assertThat(update.info()).as(update.toString()).isEqualTo("update prometheus succeed");
            assertThat(prometheus.lastConfigTime()).isNotEqualTo(loadedBefore);
            prometheus.awaitUp("kunlun_manager", "127.0.0.1:" + manager.port());
            assertThat(manager.home().resolve("prometheus")).doesNotExist();
        }
    }

    @Test
    void aReloadThatFailsFailsTheJobAndTakesTheTargetFilesBack(@TempDir Path targets) {
        String nothingThere = "http://" + HOST + ":" + PrometheusApi.freePort(HOST);
        try (TestManager manager = managerWith(PrometheusConfig.external(nothingThere, targets))) {
            Reply update = manager.submitAndAwait(UPDATE);

            assertThat(update.result()).isEqualTo("failed");
            assertThat(update.info()).isEqualTo("prometheus at " + nothingThere
                    + ": POST /-/reload failed: java.net.ConnectException; rolled back");
            assertThat(targets).isEmptyDirectory();
        }
    }

    @Test
    void aTargetsDirectoryThatDoesNotExistIsRefused(@TempDir Path parent) {
        Path missing = parent.resolve("missing");
        try (TestManager manager = managerWith(PrometheusConfig.external(URL, missing))) {
            Reply update = manager.submitAndAwait(UPDATE);

            assertThat(update.result()).isEqualTo("failed");
            assertThat(update.info()).isEqualTo("the Prometheus targets directory " + missing
                    + " is not a writable directory (prometheus.targets_dir in the configuration)");
        }
    }

    @Test
    void theManagersOwnPrometheusIsNotStartedWhereAnotherListens() {
        try (TestManager manager = managerWith(PrometheusConfig.managed(HOST, PORT))) {
            Reply update = manager.submitAndAwait(UPDATE);

            assertThat(update.result()).isEqualTo("failed");
            assertThat(update.info()).isEqualTo("prometheus on " + HOST + ":" + PORT + ": another Prometheus already"
                    + " listens there (this manager's would run with " + manager.home().toAbsolutePath().normalize()
                    + "/prometheus/prometheus.yml); rolled back");
            assertThat(manager.home().resolve("prometheus/prometheus.yml")).doesNotExist();
        }
    }
}
