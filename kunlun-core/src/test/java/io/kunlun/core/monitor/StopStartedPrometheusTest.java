package io.kunlun.core.monitor;

import io.kunlun.core.config.ManagerConfig.PrometheusConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The undo of starting the manager's Prometheus, with the real Prometheus binary on 127.0.0.170. */
class StopStartedPrometheusTest {
    private static final String HOST = "127.0.0.170";

    @TempDir
    Path home;

    @Test
    void aStartedPrometheusThatAnswersIsKeptForTheTargetsOfOtherJobs() throws IOException {
        PrometheusConfig config = PrometheusConfig.managed(HOST, freePort());
        ManagedPrometheus managed = new ManagedPrometheus(config, home);
        PrometheusFiles.write(managed.directory(),
                Map.of(managed.configFile().getFileName().toString(), managed.configuration(false)));
        managed.start();
        try {
            new StopStartedPrometheus(config, new Object()).undo(new StopStartedPrometheus.Started(home.toString()));

            assertThat(managed.running()).isPresent();
            assertThat(PrometheusHttp.isReady(managed.url())).isTrue();
        } finally {
            managed.stop();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            return socket.getLocalPort();
        }
    }
}
