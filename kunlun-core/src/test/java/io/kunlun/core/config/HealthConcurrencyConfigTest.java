package io.kunlun.core.config;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class HealthConcurrencyConfigTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static int concurrency(String json) throws Exception {
        return JSON.readValue(json, ManagerConfig.class).healthConcurrency();
    }

    @Test
    void leftOutTheMonitorChecksTheDefaultNumberOfMachinesAtOnce() throws Exception {
        assertThat(concurrency("{}")).isEqualTo(ManagerConfig.DEFAULT_HEALTH_CONCURRENCY);
    }

    @Test
    void readsHealthConcurrency() throws Exception {
        assertThat(concurrency("{\"health_concurrency\":100}")).isEqualTo(100);
    }

    @Test
    void zeroOrNegativeMeansTheDefault() throws Exception {
        assertThat(concurrency("{\"health_concurrency\":-3}")).isEqualTo(ManagerConfig.DEFAULT_HEALTH_CONCURRENCY);
    }

    @Test
    void moreThanTheBoundIsCappedAtIt() throws Exception {
        assertThat(concurrency("{\"health_concurrency\":100000}")).isEqualTo(ManagerConfig.MAX_HEALTH_CONCURRENCY);
    }
}
