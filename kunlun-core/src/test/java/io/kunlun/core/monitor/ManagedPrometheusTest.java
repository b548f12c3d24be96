package io.kunlun.core.monitor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kunlun.core.config.ManagerConfig.PrometheusConfig;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class ManagedPrometheusTest {
    private static final Path HOME = Path.of("/var/lib/kunlun");
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode configuration(PrometheusConfig config, boolean sendToken) throws Exception {
        return JSON.readTree(new ManagedPrometheus(config, HOME).configuration(sendToken));
    }

    @Test
    void livesInThePrometheusDirectoryOfTheHome() {
        ManagedPrometheus prometheus = new ManagedPrometheus(PrometheusConfig.managed(), HOME);

        assertThat(prometheus.configFile()).isEqualTo(Path.of("/var/lib/kunlun/prometheus/prometheus.yml"));
        assertThat(prometheus.targetsDir()).isEqualTo(Path.of("/var/lib/kunlun/prometheus/targets"));
        assertThat(prometheus.pidFile()).isEqualTo(Path.of("/var/lib/kunlun/prometheus/prometheus.pid"));
    }

    @Test
    void runsWithItsConfigurationFirstItsDataUnderTheHomeAndTheLifecycleApi() {
        ManagedPrometheus prometheus = new ManagedPrometheus(PrometheusConfig.managed("127.0.0.70", 9090), HOME);

        assertThat(prometheus.arguments()).containsExactly(
                "--config.file=/var/lib/kunlun/prometheus/prometheus.yml",
                "--storage.tsdb.path=/var/lib/kunlun/prometheus/data",
                "--web.listen-address=127.0.0.70:9090",
                "--web.enable-lifecycle");
        assertThat(prometheus.url()).isEqualTo("http://127.0.0.70:9090");
    }

    @Test
    void listensOn127001Port57010ByDefault() {
        assertThat(new ManagedPrometheus(PrometheusConfig.managed(), HOME).url()).isEqualTo("http://127.0.0.1:57010");
    }

    @Test
    void anIpv6AddressIsBracketed() {
        assertThat(new ManagedPrometheus(PrometheusConfig.managed("::1", 9090), HOME).url())
                .isEqualTo("http://[::1]:9090");
    }

    @Test
    void everyScrapeJobReadsItsTargetFile() throws Exception {
        JsonNode scrapeConfigs = configuration(PrometheusConfig.managed(), false).get("scrape_configs");

        assertThat(scrapeConfigs).hasSize(4);
        assertThat(scrapeConfigs.get(0).get("job_name").asText()).isEqualTo("kunlun_manager");
        assertThat(scrapeConfigs.get(0).get("file_sd_configs").get(0).get("files").get(0).asText())
                .isEqualTo("/var/lib/kunlun/prometheus/targets/manager.json");
        assertThat(scrapeConfigs.get(1).get("job_name").asText()).isEqualTo("node");
        assertThat(scrapeConfigs.get(1).get("file_sd_configs").get(0).get("files").get(0).asText())
                .isEqualTo("/var/lib/kunlun/prometheus/targets/machines.json");
        assertThat(scrapeConfigs.get(2).get("job_name").asText()).isEqualTo("mysqld");
        assertThat(scrapeConfigs.get(3).get("job_name").asText()).isEqualTo("postgres");
    }

    @Test
    void withATokenOnlyTheManagerIsScrapedWithIt() throws Exception {
        JsonNode scrapeConfigs = configuration(PrometheusConfig.managed(), true).get("scrape_configs");

        assertThat(scrapeConfigs.get(0).get("authorization").get("type").asText()).isEqualTo("Bearer");
        assertThat(scrapeConfigs.get(0).get("authorization").get("credentials_file").asText())
                .isEqualTo("/var/lib/kunlun/prometheus/manager.token");
        assertThat(scrapeConfigs.get(1).has("authorization")).isFalse();
    }

    @Test
    void withoutATokenTheManagerIsScrapedWithoutAuthorization() throws Exception {
        assertThat(configuration(PrometheusConfig.managed(), false).get("scrape_configs").get(0).has("authorization"))
                .isFalse();
    }

    @Test
    void scrapesEvery15SecondsByDefaultWithPrometheussTimeout() throws Exception {
        JsonNode global = configuration(PrometheusConfig.managed(), false).get("global");

        assertThat(global.get("scrape_interval").asText()).isEqualTo("15s");
        assertThat(global.get("scrape_timeout").asText()).isEqualTo("10s");
    }

    @Test
    void aShortIntervalShortensTheTimeoutToIt() throws Exception {
        JsonNode global = configuration(PrometheusConfig.managed().withScrapeIntervalSeconds(1), false).get("global");

        assertThat(global.get("scrape_interval").asText()).isEqualTo("1s");
        assertThat(global.get("scrape_timeout").asText()).isEqualTo("1s");
    }
}
