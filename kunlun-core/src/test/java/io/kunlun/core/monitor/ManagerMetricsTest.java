package io.kunlun.core.monitor;

import io.kunlun.core.meta.StoreStatus;
import io.kunlun.core.meta.StoreUnavailableException;
import io.kunlun.model.InstanceStatus;
import io.kunlun.model.job.JobState;
import io.kunlun.model.job.JobStatus;
import io.kunlun.model.job.JobType;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ManagerMetricsTest {
    private static final Instant START = Instant.parse("2025-01-01T00:00:00Z");

    private static Map<InstanceStatus, Integer> counts(int active, int stopped) {
        Map<InstanceStatus, Integer> counts = new EnumMap<>(InstanceStatus.class);
        counts.put(InstanceStatus.CREATING, 0);
        counts.put(InstanceStatus.ACTIVE, active);
        counts.put(InstanceStatus.STOPPED, stopped);
        counts.put(InstanceStatus.UNREACHABLE, 0);
        return counts;
    }

    private static JobStatus ended(JobType type, JobState state, Optional<Instant> started, Instant ended) {
        return new JobStatus("job-1", type, "tester", state, "", null, 0, 0, START, started, Optional.of(ended));
    }

    private static String text(ManagerMetrics metrics) {
        return new String(metrics.scrape().body(), StandardCharsets.UTF_8);
    }

    @Test
    void countsEndedJobsByTypeAndResult() {
        ManagerMetrics metrics = new ManagerMetrics(() -> counts(0, 0));

        metrics.jobEnded(ended(JobType.CREATE_MACHINE, JobState.DONE, Optional.of(START), START.plusMillis(300)));
        metrics.jobEnded(ended(JobType.CREATE_MACHINE, JobState.DONE, Optional.of(START), START.plusMillis(300)));
        metrics.jobEnded(ended(JobType.DELETE_MACHINE, JobState.FAILED, Optional.of(START), START.plusMillis(300)));

        assertThat(text(metrics))
                .contains("kunlun_jobs_total{job_type=\"create_machine\",result=\"done\"} 2.0\n")
                .contains("kunlun_jobs_total{job_type=\"delete_machine\",result=\"failed\"} 1.0\n");
    }

    @Test
    void recordsHowLongAJobRanInSeconds() {
        ManagerMetrics metrics = new ManagerMetrics(() -> counts(0, 0));

        metrics.jobEnded(ended(JobType.CREATE_MACHINE, JobState.DONE, Optional.of(START), START.plusMillis(2500)));

        assertThat(text(metrics))
                .contains("kunlun_job_duration_seconds_bucket{job_type=\"create_machine\",le=\"1.0\"} 0\n")
                .contains("kunlun_job_duration_seconds_bucket{job_type=\"create_machine\",le=\"5.0\"} 1\n")
                .contains("kunlun_job_duration_seconds_sum{job_type=\"create_machine\"} 2.5\n")
                .contains("kunlun_job_duration_seconds_count{job_type=\"create_machine\"} 1\n");
    }

    @Test
    void aJobThatNeverStartedIsCountedWithoutADuration() {
        ManagerMetrics metrics = new ManagerMetrics(() -> counts(0, 0));

        metrics.jobEnded(ended(JobType.BACKUP_CLUSTER, JobState.FAILED, Optional.empty(), START));

        assertThat(text(metrics))
                .contains("kunlun_jobs_total{job_type=\"backup_cluster\",result=\"failed\"} 1.0\n")
                .doesNotContain("kunlun_job_duration_seconds_count{job_type=\"backup_cluster\"}");
    }

    @Test
    void readsInstanceCountsAtEachScrape() {
        Map<InstanceStatus, Integer> current = counts(3, 1);
        ManagerMetrics metrics = new ManagerMetrics(() -> current);

        String first = text(metrics);
        current.put(InstanceStatus.ACTIVE, 4);
        String second = text(metrics);

        assertThat(first)
                .contains("kunlun_instances{status=\"active\"} 3.0\n")
                .contains("kunlun_instances{status=\"stopped\"} 1.0\n")
                .contains("kunlun_instances{status=\"creating\"} 0.0\n");
        assertThat(second).contains("kunlun_instances{status=\"active\"} 4.0\n");
    }

    @Test
    void countsHttpRequestsByHandlerAndStatusCode() {
        ManagerMetrics metrics = new ManagerMetrics(() -> counts(0, 0));

        metrics.httpRequestAnswered("api", 200);
        metrics.httpRequestAnswered("api", 200);
        metrics.httpRequestAnswered("metrics", 401);

        assertThat(text(metrics))
                .contains("kunlun_http_requests_total{code=\"200\",handler=\"api\"} 2.0\n")
                .contains("kunlun_http_requests_total{code=\"401\",handler=\"metrics\"} 1.0\n");
    }

    @Test
    void isServedAsPrometheusText() {
        assertThat(new ManagerMetrics(() -> counts(0, 0)).scrape().contentType())
                .isEqualTo("text/plain; version=0.0.4; charset=utf-8");
    }

    @Test
    void twoManagersCountApart() {
        ManagerMetrics one = new ManagerMetrics(() -> counts(0, 0));
        ManagerMetrics other = new ManagerMetrics(() -> counts(0, 0));

        one.httpRequestAnswered("api", 200);

        assertThat(text(other)).doesNotContain("kunlun_http_requests_total{");
    }
    @Test
    void tellsWhetherTheMetadataStoreIsUpAndHowOftenItWasDown() {
        ManagerMetrics metrics = new ManagerMetrics(() -> counts(0, 0));

        metrics.watchMetadataStore(() -> new StoreStatus(false, 2, List.of(), false, 0));

        assertThat(text(metrics))
                .contains("kunlun_metadata_store_up 0.0\n")
                .contains("kunlun_metadata_store_outages_total 2.0\n")
                .contains("kunlun_manager_leader 0.0\n");
    }

    @Test
    void showsEachMetadataPoolsConnectionsWaitersAndTimeouts() {
        ManagerMetrics metrics = new ManagerMetrics(() -> counts(0, 0));

        metrics.watchMetadataStore(() -> new StoreStatus(true, 0, List.of(
                new StoreStatus.Pool("manager", 1, 2, 0, 8, 0),
                new StoreStatus.Pool("requests", 8, 0, 5, 8, 17)), true, 7));

        assertThat(text(metrics))
                .contains("kunlun_metadata_pool_connections{pool=\"manager\",state=\"active\"} 1.0\n")
                .contains("kunlun_metadata_pool_connections{pool=\"manager\",state=\"idle\"} 2.0\n")
                .contains("kunlun_metadata_pool_connections{pool=\"requests\",state=\"active\"} 8.0\n")
                .contains("kunlun_metadata_pool_max_connections{pool=\"requests\"} 8.0\n")
                .contains("kunlun_metadata_pool_waiting_threads{pool=\"requests\"} 5.0\n")
                .contains("kunlun_metadata_pool_timeouts_total{pool=\"requests\"} 17.0\n")
                .contains("kunlun_manager_leader 1.0\n")
                .contains("kunlun_lease_renewals_total 7.0\n");
    }

    @Test
    void countsTheHealthRoundsStartedFromNone() {
        ManagerMetrics metrics = new ManagerMetrics(() -> counts(0, 0));
        assertThat(text(metrics)).contains("kunlun_health_rounds_total 0.0\n");

        metrics.healthRoundStarted();
        metrics.healthRoundStarted();

        assertThat(text(metrics)).contains("kunlun_health_rounds_total 2.0\n");
    }

    @Test
    void aStoreThatCannotBeReachedLeavesTheOtherMetricsReadable() {
        ManagerMetrics metrics = new ManagerMetrics(() -> {
            throw new IllegalStateException(new StoreUnavailableException("unreachable: connection refused"));
        });
        metrics.watchMetadataStore(() -> new StoreStatus(false, 1, List.of(), false, 0));

        assertThat(text(metrics))
                .contains("kunlun_metadata_store_up 0.0\n")
                .doesNotContain("kunlun_instances{");
    }

    @Test
    void aStoreThatFailsToCountInstancesFailsTheScrape() {
        ManagerMetrics metrics = new ManagerMetrics(() -> {
            throw new IllegalStateException("Table 'instance' doesn't exist");
        });

        assertThatThrownBy(() -> text(metrics)).hasMessage("Table 'instance' doesn't exist");
    }
}
