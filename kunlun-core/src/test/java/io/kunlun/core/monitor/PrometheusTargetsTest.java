package io.kunlun.core.monitor;

import io.kunlun.core.meta.ExporterTable.Exporter;
import io.kunlun.core.meta.ExporterTable.Kind;
import io.kunlun.model.Role;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class PrometheusTargetsTest {
    /** A target file of a job without targets: one group with none. */
    private static final String NO_TARGETS = "[ {\n  \"targets\" : [ ],\n  \"labels\" : { }\n} ]\n";

    private static final Exporter STORAGE_EXPORTER = new Exporter("127.0.0.3", 9104, Kind.MYSQLD, "127.0.0.3", 57001,
            "cluster_1700000000_000001", Optional.of("shard2"), Optional.empty(), Optional.of(Role.PRIMARY));
    private static final Exporter COMP_EXPORTER = new Exporter("127.0.0.4", 9187, Kind.POSTGRES, "127.0.0.4", 57005,
            "cluster_1700000000_000001", Optional.empty(), Optional.of("comp1"), Optional.empty());

    private static PrometheusTargets targets(List<String> machines, List<Exporter> exporters) {
        return PrometheusTargets.of("127.0.0.1", 57000, machines, 9100, exporters);
    }

    @Test
    void theManagerIsScrapedOnItsAdvertisedAddressAtItsMetricsPath() {
        assertThat(targets(List.of(), List.of()).groups(ScrapeJob.MANAGER)).containsExactly(
                TargetGroup.of("127.0.0.1:57000", Map.of("hostaddr", "127.0.0.1", "__metrics_path__", "/metrics")));
    }

    @Test
    void everyMachineGetsANodeExporterTargetOnTheConfiguredPort() {
        assertThat(targets(List.of("127.0.0.2", "127.0.0.3"), List.of()).groups(ScrapeJob.MACHINES)).containsExactly(
                TargetGroup.of("127.0.0.2:9100", Map.of("hostaddr", "127.0.0.2")),
                TargetGroup.of("127.0.0.3:9100", Map.of("hostaddr", "127.0.0.3")));
    }

    @Test
    void aStorageExporterIsLabelledWithItsInstancesClusterShardRoleAndAddress() {
        assertThat(targets(List.of(), List.of(STORAGE_EXPORTER)).groups(ScrapeJob.MYSQLD)).containsExactly(
                TargetGroup.of("127.0.0.3:9104", Map.of("hostaddr", "127.0.0.3", "port", "57001",
                        "cluster", "cluster_1700000000_000001", "shard", "shard2", "role", "primary")));
    }

    @Test
    void aCompExporterIsLabelledWithItsCompAndHasNoShardOrRole() {
        assertThat(targets(List.of(), List.of(COMP_EXPORTER)).groups(ScrapeJob.POSTGRES)).containsExactly(
                TargetGroup.of("127.0.0.4:9187", Map.of("hostaddr", "127.0.0.4", "port", "57005",
                        "cluster", "cluster_1700000000_000001", "comp", "comp1")));
    }

    @Test
    void exportersGoToTheFileOfTheirKindOnly() {
        PrometheusTargets targets = targets(List.of(), List.of(STORAGE_EXPORTER, COMP_EXPORTER));

        assertThat(targets.groups(ScrapeJob.MYSQLD)).extracting(TargetGroup::targets)
                .containsExactly(List.of("127.0.0.3:9104"));
        assertThat(targets.groups(ScrapeJob.POSTGRES)).extracting(TargetGroup::targets)
                .containsExactly(List.of("127.0.0.4:9187"));
    }

    @Test
    void everyJobHasAFileAndAJobWithoutTargetsGetsOneGroupWithoutTargets() {
        Map<String, String> files = targets(List.of(), List.of()).files();

        assertThat(files).containsOnlyKeys("manager.json", "machines.json", "mysqld.json", "postgres.json");
        assertThat(files.get("mysqld.json")).isEqualTo(NO_TARGETS);
        assertThat(files.get("postgres.json")).isEqualTo(NO_TARGETS);
    }

    @Test
    void aFileIsFileSdJsonWithLabelsInNameOrder() {
        assertThat(targets(List.of(), List.of(STORAGE_EXPORTER)).files().get("mysqld.json")).isEqualTo("""
                [ {
                  "targets" : [ "127.0.0.3:9104" ],
                  "labels" : {
                    "cluster" : "cluster_1700000000_000001",
                    "hostaddr" : "127.0.0.3",
                    "port" : "57001",
                    "role" : "primary",
                    "shard" : "shard2"
                  }
                } ]
                """);
    }
}
