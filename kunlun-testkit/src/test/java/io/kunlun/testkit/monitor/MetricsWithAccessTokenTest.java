package io.kunlun.testkit.monitor;

import io.kunlun.core.config.ManagerConfig.PrometheusConfig;
import io.kunlun.testkit.ApiClient;
import io.kunlun.testkit.Reply;
import io.kunlun.testkit.TestManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;

/** A manager with an access token guards /metrics with it, and its Prometheus sends it. */
class MetricsWithAccessTokenTest {
    private static final String TOKEN = "s3cret-token";
    private static final String PROMETHEUS_HOST = "127.0.0.75";
    private static final int PROMETHEUS_PORT = PrometheusApi.freePort(PROMETHEUS_HOST);

    @RegisterExtension
    static TestManager manager = TestManager.builder()
            .accessToken(TOKEN)
            .configure(config -> config.withPrometheus(
                    PrometheusConfig.managed(PROMETHEUS_HOST, PROMETHEUS_PORT).withScrapeIntervalSeconds(1)))
            .build();

    @AfterAll
    static void stopPrometheus() {
        PrometheusApi.killManagedPrometheus(manager.home());
    }

    private static ApiClient metrics() {
        return ApiClient.to(manager.uri().resolve("/metrics"));
    }

    @Test
    void withoutTheTokenMetricsAreRefused() {
        Reply reply = metrics().send("GET");

        assertThat(reply.status()).isEqualTo(401);
        assertThat(reply.body()).isEqualTo("this manager needs Authorization: Bearer <access token>\n");
    }

    @Test
    void withAWrongTokenMetricsAreRefused() {
        assertThat(metrics().withAccessToken("not-" + TOKEN).send("GET").status()).isEqualTo(401);
    }

    @Test
    void withTheTokenMetricsAreServed() {
        Reply reply = metrics().withAccessToken(TOKEN).send("GET");

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.body()).contains("# TYPE kunlun_http_requests_total counter\n");
    }

    @Test
    void theManagedPrometheusScrapesTheManagerWithTheToken() throws Exception {
        Reply update = manager.submitAndAwait("{\"job_type\":\"update_prometheus\"}");
        assertThat(update.info()).as(update.toString()).isEqualTo("update prometheus succeed");

        new PrometheusApi(PROMETHEUS_HOST, PROMETHEUS_PORT).awaitUp("kunlun_manager", "127.0.0.1:" + manager.port());

        var tokenFile = manager.home().resolve("prometheus/manager.token");
        assertThat(Files.readString(tokenFile)).isEqualTo(TOKEN);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tokenFile))).isEqualTo("rw-------");
    }
}
