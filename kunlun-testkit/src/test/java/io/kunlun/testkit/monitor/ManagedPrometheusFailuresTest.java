package io.kunlun.testkit.monitor;

import io.kunlun.core.config.ManagerConfig.PrometheusConfig;
import io.kunlun.testkit.Reply;
import io.kunlun.testkit.TestManager;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** When the manager's own Prometheus cannot run, update_prometheus fails and leaves nothing behind. */
class ManagedPrometheusFailuresTest {
    private static final String HOST = "127.0.0.78";
    private static final String UPDATE = "{\"job_type\":\"update_prometheus\"}";

    private static TestManager managerWith(PrometheusConfig config) {
        return TestManager.builder().configure(manager -> manager.withPrometheus(config)).build().start();
    }

    @Test
    void aBinaryThatIsNotExecutableIsRefused() {
        PrometheusConfig config = new PrometheusConfig(null, null, Path.of("/nonexistent/prometheus"), HOST,
                PrometheusApi.freePort(HOST), 0, 0, 0);
        try (TestManager manager = managerWith(config)) {
            Reply update = manager.submitAndAwait(UPDATE);

            assertThat(update.result()).isEqualTo("failed");
            assertThat(update.info()).isEqualTo("the Prometheus binary /nonexistent/prometheus is not an executable"
                    + " file (prometheus.binary in the configuration)");
        }
    }

    @Test
    void aPortInUseFailsTheJobWithPrometheussWordsAndRollsBack() throws Exception {
        try (ServerSocket occupied = new ServerSocket(0, 1, InetAddress.getByName(HOST));
             TestManager manager = managerWith(PrometheusConfig.managed(HOST, occupied.getLocalPort()))) {
            Reply update = manager.submitAndAwait(UPDATE);

            try {
                assertThat(update.result()).isEqualTo("failed");
                assertThat(update.info())
                        .startsWith("prometheus on " + HOST + ":" + occupied.getLocalPort() + ": it exited")
                        .contains("address already in use")
                        .endsWith("; rolled back");
                Path directory = manager.home().resolve("prometheus");
                assertThat(directory.resolve("prometheus.yml")).doesNotExist();
                assertThat(directory.resolve("prometheus.pid")).doesNotExist();
                assertThat(directory.resolve("targets/manager.json")).doesNotExist();
            } finally {
                PrometheusApi.killManagedPrometheus(manager.home());
            }
        }
    }
}
