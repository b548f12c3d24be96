package io.kunlun.core.config;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.kunlun.core.config.ManagerConfig.PrometheusConfig;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PrometheusConfigTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void withoutTheSectionTheManagerRunsItsOwnPrometheusOn57010() throws Exception {
        PrometheusConfig prometheus = JSON.readValue("{}", ManagerConfig.class).prometheus();

        assertThat(prometheus.isManaged()).isTrue();
        assertThat(prometheus.binary()).isEqualTo(Path.of("/usr/bin/prometheus"));
        assertThat(prometheus.bind()).isEqualTo("127.0.0.1");
        assertThat(prometheus.port()).isEqualTo(57010);
        assertThat(prometheus.scrapeIntervalSeconds()).isEqualTo(15);
        assertThat(prometheus.nodeExporterPort()).isEqualTo(9100);
    }

    @Test
    void readsItsFieldsInSnakeCase() throws Exception {
        PrometheusConfig prometheus = JSON.readValue("""
                {"prometheus":{"url":"http://10.0.0.5:9090","targets_dir":"/etc/prometheus/kunlun",
                 "scrape_interval_seconds":5,"node_exporter_port":9200}}""", ManagerConfig.class).prometheus();

        assertThat(prometheus.isManaged()).isFalse();
        assertThat(prometheus.url()).isEqualTo("http://10.0.0.5:9090");
        assertThat(prometheus.targetsDir()).isEqualTo(Path.of("/etc/prometheus/kunlun"));
        assertThat(prometheus.scrapeIntervalSeconds()).isEqualTo(5);
        assertThat(prometheus.nodeExporterPort()).isEqualTo(9200);
    }

    @Test
    void aUrlNeedsTheTargetsDirectory() {
        assertThatThrownBy(() -> new PrometheusConfig("http://10.0.0.5:9090", null, null, null, 0, 0, 0, 0))
                .hasMessage("prometheus.url needs prometheus.targets_dir: the directory that Prometheus reads the"
                        + " kunlun target files from");
    }

    @Test
    void aUrlMustBeHttp() {
        assertThatThrownBy(() -> PrometheusConfig.external("10.0.0.5:9090", Path.of("/t")))
                .hasMessage("prometheus.url must be an http:// or https:// URL, got 10.0.0.5:9090");
    }

    @Test
    void aBlankUrlMeansTheManagersOwn() {
        assertThat(new PrometheusConfig(" ", null, null, null, 0, 0, 0, 0).isManaged()).isTrue();
    }
}
