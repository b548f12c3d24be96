package io.kunlun.core.config;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.kunlun.core.jobs.JobEngine;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class JobsConfigTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void withoutTheSectionEndedJobsAreKept90DaysAndAtMost100000AndRollbacksRetriedEveryMinute() throws Exception {
        JobEngine.Settings settings = JobEngine.Settings.of(JSON.readValue("{}", ManagerConfig.class));

        assertThat(settings.retentionAge()).isEqualTo(Duration.ofDays(90));
        assertThat(settings.retentionCount()).isEqualTo(100_000);
        assertThat(settings.rollbackRetry()).isEqualTo(Duration.ofSeconds(60));
        assertThat(settings.stopGrace()).isEqualTo(Duration.ofSeconds(20));
    }

    @Test
    void readsItsFieldsInSnakeCase() throws Exception {
        JobEngine.Settings settings = JobEngine.Settings.of(JSON.readValue("""
                {"workers":4,"jobs":{"retention_days":7,"retention_count":500,"rollback_retry_seconds":10}}""",
                ManagerConfig.class));

        assertThat(settings.workers()).isEqualTo(4);
        assertThat(settings.retentionAge()).isEqualTo(Duration.ofDays(7));
        assertThat(settings.retentionCount()).isEqualTo(500);
        assertThat(settings.rollbackRetry()).isEqualTo(Duration.ofSeconds(10));
    }
}
