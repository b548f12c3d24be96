package io.kunlun.testkit.monitor;

import io.kunlun.testkit.ApiClient;
import io.kunlun.testkit.LoopbackMachine;
import io.kunlun.testkit.LoopbackMachines;
import io.kunlun.testkit.Reply;
import io.kunlun.testkit.TestManager;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** GET /metrics on the manager's HTTP port, without an access token. */
class ManagerMetricsOverHttpTest {
    @RegisterExtension
    static TestManager manager = TestManager.create();
    @RegisterExtension
    static LoopbackMachines machines = LoopbackMachines.of("127.0.0.74");

    @BeforeAll
    static void createAMachine() {
        LoopbackMachine machine = machines.take();
        assertThat(manager.submitAndAwait(machine.createMachineJson("metrics-create")).result()).isEqualTo("done");
    }

    private static Reply metrics() {
        return ApiClient.to(manager.uri().resolve("/metrics")).send("GET");
    }

    private static double sample(String body, String series) {
        Matcher matcher = Pattern.compile("^" + Pattern.quote(series) + " (\\S+)$", Pattern.MULTILINE).matcher(body);
        assertThat(matcher.find()).as("%s in%n%s", series, body).isTrue();
        return Double.parseDouble(matcher.group(1));
    }

    @Test
    void areServedInThePrometheusTextFormat() {
        Reply reply = metrics();

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.contentType()).isEqualTo("text/plain; version=0.0.4; charset=utf-8");
        assertThat(reply.body()).contains("# TYPE kunlun_jobs_total counter\n");
    }

    @Test
    void countAJobThatEndedByItsTypeAndResult() {
        assertThat(metrics().body()).contains("kunlun_jobs_total{job_type=\"create_machine\",result=\"done\"} 1.0\n");
    }

    @Test
    void recordHowLongTheJobRan() {
        assertThat(sample(metrics().body(), "kunlun_job_duration_seconds_count{job_type=\"create_machine\"}"))
                .isEqualTo(1.0);
    }

    @Test
    void showInstancesByStatusFromTheMetadata() {
        String body = metrics().body();

        assertThat(sample(body, "kunlun_instances{status=\"active\"}")).isZero();
        assertThat(sample(body, "kunlun_instances{status=\"stopped\"}")).isZero();
    }

    @Test
    void countTheApiRequestsAnsweredByStatusCode() {
        double before = sample(metrics().body(), "kunlun_http_requests_total{code=\"200\",handler=\"api\"}");

        manager.post("{\"job_type\":\"get_meta_mode\"}");
        manager.post("{\"job_type\":\"get_meta_mode\"}");

        assertThat(sample(metrics().body(), "kunlun_http_requests_total{code=\"200\",handler=\"api\"}"))
                .isEqualTo(before + 2);
    }

    @Test
    void countRefusedRequestsUnderTheirStatusCode() {
        manager.post("not json");

        assertThat(sample(metrics().body(), "kunlun_http_requests_total{code=\"400\",handler=\"api\"}"))
                .isGreaterThanOrEqualTo(1.0);
    }

    @Test
    void countTheirOwnScrapes() {
        metrics();

        assertThat(sample(metrics().body(), "kunlun_http_requests_total{code=\"200\",handler=\"metrics\"}"))
                .isGreaterThanOrEqualTo(1.0);
    }

    @Test
    void answerOnlyGet() {
        Reply reply = ApiClient.to(manager.uri().resolve("/metrics")).send("DELETE");

        assertThat(reply.status()).isEqualTo(405);
        assertThat(reply.body()).isEqualTo("read the metrics with GET /metrics\n");
    }

    @Test
    void leaveTheApiOnPostSlashAsItWas() {
        Reply reply = manager.post("{\"job_type\":\"get_meta_mode\"}");

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.text("mode")).contains("no_rep");
    }
}
