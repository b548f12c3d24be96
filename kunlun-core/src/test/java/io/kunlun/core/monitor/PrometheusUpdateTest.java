package io.kunlun.core.monitor;

import io.kunlun.core.config.ManagerConfig.PrometheusConfig;
import io.kunlun.core.meta.ExporterTable.Exporter;
import io.kunlun.core.meta.ExporterTable.Kind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link PrometheusUpdate#rewriteWrittenTargets}: what a deletion does to target files, with an external Prometheus. */
class PrometheusUpdateTest {
    private static final Exporter COMP_EXPORTER = new Exporter("127.0.0.4", 9187, Kind.POSTGRES, "127.0.0.4", 57005,
            "cluster_1700000000_000001", Optional.empty(), Optional.of("comp1"), Optional.empty());

    @TempDir
    Path targetsDir;

    private PrometheusUpdate update() {
        return new PrometheusUpdate(PrometheusConfig.external("http://127.0.0.1:1", targetsDir), targetsDir,
                new ManagerMetrics(Map::of));
    }

    private static PrometheusTargets targets(List<Exporter> exporters) {
        return PrometheusTargets.of("127.0.0.1", 57000, List.of(), 9100, exporters);
    }

    private void write(PrometheusTargets targets) throws IOException {
        for (Map.Entry<String, String> file : targets.files().entrySet()) {
            Files.writeString(targetsDir.resolve(file.getKey()), file.getValue());
        }
    }

    @Test
    void targetsNeverWrittenStayUnwritten() throws IOException {
        update().rewriteWrittenTargets(targets(List.of()));

        try (var files = Files.list(targetsDir)) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void writtenTargetsThatNameAGoneExporterAreRewritten() throws IOException {
        write(targets(List.of(COMP_EXPORTER)));

        update().rewriteWrittenTargets(targets(List.of()));

        assertThat(Files.readString(targetsDir.resolve("postgres.json"))).doesNotContain("127.0.0.4:9187")
                .isEqualTo(targets(List.of()).files().get("postgres.json"));
    }

    @Test
    void currentTargetsAreLeftAsTheyAre() throws IOException {
        write(targets(List.of(COMP_EXPORTER)));
        Path file = targetsDir.resolve("postgres.json");
        Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.fromMillis(0));

        update().rewriteWrittenTargets(targets(List.of(COMP_EXPORTER)));

        assertThat(Files.getLastModifiedTime(file).toMillis()).isZero();
    }
}
