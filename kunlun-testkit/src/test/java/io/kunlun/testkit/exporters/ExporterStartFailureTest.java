package io.kunlun.testkit.exporters;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.kunlun.core.config.ManagerConfig.PrometheusConfig;
import io.kunlun.core.engines.EngineConfig;
import io.kunlun.testkit.LoopbackMachines;
import io.kunlun.testkit.Reply;
import io.kunlun.testkit.TempDirs;
import io.kunlun.testkit.TestManager;
import io.kunlun.testkit.TestPorts;
import io.kunlun.testkit.monitor.PrometheusApi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static io.kunlun.testkit.exporters.ExporterFixture.NO_TARGETS;
import static io.kunlun.testkit.exporters.ExporterFixture.createCluster;
import static io.kunlun.testkit.exporters.ExporterFixture.deleteIfPresent;
import static io.kunlun.testkit.exporters.ExporterFixture.exporter;
import static io.kunlun.testkit.exporters.ExporterFixture.firstInstance;
import static io.kunlun.testkit.exporters.ExporterFixture.job;
import static io.kunlun.testkit.exporters.ExporterFixture.killExportersOn;
import static io.kunlun.testkit.exporters.ExporterFixture.run;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * An exporter that exits as soon as it starts (here a configured mysqld_exporter program that
 * fails the way a real one does when it cannot read its login): the job fails with the tail of
 * its log and takes back what it did, so no target is left for it.
 */
class ExporterStartFailureTest {
    private static final String PROMETHEUS_HOST = "127.0.0.90";
    private static final Path PROGRAMS = TempDirs.create("kunlun-exporter-programs-");
    private static final Path FAILING_EXPORTER = failingExporter();

    @RegisterExtension
    static TestManager manager = TestManager.builder()
            .configure(config -> config
                    .withEngines(TestPorts.withOwnBases(
                            engines("{\"mysqld_exporter\":\"" + FAILING_EXPORTER + "\"}")))
                    .withPrometheus(PrometheusConfig.managed(PROMETHEUS_HOST, PrometheusApi.freePort(PROMETHEUS_HOST))
                            .withScrapeIntervalSeconds(1)))
            .build();
    @RegisterExtension
    static LoopbackMachines machines = LoopbackMachines.range("127.0.0.86", "127.0.0.86");

    private static String cluster;
    private static String storage;

    @BeforeAll
    static void createACluster() {
        cluster = createCluster(manager, machines.take());
        storage = firstInstance(manager, "get_storage", cluster);
    }

    @AfterAll
    static void stopEverythingStarted() throws IOException {
        try {
            deleteIfPresent(manager, cluster);
        } finally {
            killExportersOn("127.0.0.86");
            PrometheusApi.killManagedPrometheus(manager.home());
            TempDirs.delete(PROGRAMS);
        }
    }

    @Test
    void anExporterThatExitsFailsTheJobWithItsLogAndLeavesNoTarget() throws IOException {
        Reply failed = run(manager, exporter("mysqld_exporter", storage));

        assertThat(failed.result()).as(failed.toString()).isEqualTo("failed");
        assertThat(failed.info()).matches("127\\.0\\.0\\.86:[0-9]+: failing-exporter exited: "
                + "Error parsing my.cnf: no user specified under \\[client\\]; rolled back");
        assertThat(run(manager, job("update_prometheus")).result()).isEqualTo("done");
        assertThat(Files.readString(manager.home().resolve("prometheus/targets/mysqld.json"))).isEqualTo(NO_TARGETS);
    }

    private static EngineConfig engines(String json) {
        try {
            return new ObjectMapper().readValue(json, EngineConfig.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A program the instance account may run that prints an exporter's error and exits 1. */
    private static Path failingExporter() {
        try {
            Files.setPosixFilePermissions(PROGRAMS, PosixFilePermissions.fromString("rwxr-xr-x"));
            Path program = PROGRAMS.resolve("failing-exporter");
            Files.writeString(program, "#!/bin/sh\necho 'Error parsing my.cnf: no user specified under [client]' >&2\n"
                    + "exit 1\n");
            Files.setPosixFilePermissions(program, PosixFilePermissions.fromString("rwxr-xr-x"));
            return program;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
