package io.kunlun.core.ops.monitoring;

import io.kunlun.core.ops.Operation;

import com.sun.net.httpserver.HttpServer;
import io.kunlun.core.ManagerException;
import io.kunlun.core.config.ManagerConfig;
import io.kunlun.core.config.ManagerConfig.MetadataConfig;
import io.kunlun.core.config.ManagerConfig.PrometheusConfig;
import io.kunlun.core.jobs.JobContext;
import io.kunlun.core.jobs.JobEngine;
import io.kunlun.core.jobs.UndoAction;
import io.kunlun.core.jobs.UndoActions;
import io.kunlun.core.meta.ExporterTable.Exporter;
import io.kunlun.core.meta.ExporterTable.Kind;
import io.kunlun.core.meta.MetadataStore;
import io.kunlun.core.monitor.ManagerMetrics;
import io.kunlun.model.MetaNode;
import io.kunlun.model.job.JobRequest;
import io.kunlun.model.job.JobState;
import io.kunlun.model.job.JobStatus;
import io.kunlun.model.job.JobType;
import io.kunlun.model.job.WireFormat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The rollback of a job that added Prometheus targets, while a job of another lock key added its
 * own: a real metadata store, real target files, an external Prometheus stood in for by an HTTP
 * server that accepts reloads.
 */
class PrometheusTargetsRollbackTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final String DELETE_EXPORTER_ROW = "delete-exporter-row";
    private static final Exporter FAILING_JOBS = exporter("127.0.0.4", 57005);
    private static final Exporter OTHER_JOBS = exporter("127.0.0.5", 57006);

    @TempDir
    Path home;

    private final List<AutoCloseable> opened = new ArrayList<>();
    private final CountDownLatch failingJobRefreshed = new CountDownLatch(1);
    private final CountDownLatch otherJobEnded = new CountDownLatch(1);

    @AfterEach
    void closeAll() throws Exception {
        for (int i = opened.size() - 1; i >= 0; i--) {
            opened.get(i).close();
        }
    }

    @Test
    void theRollbackTakesOutItsOwnTargetAndKeepsTheOneAnotherJobAddedMeanwhile() throws Exception {
        HttpServer prometheus = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        prometheus.createContext("/-/reload", exchange -> {
            exchange.getRequestBody().readAllBytes();
            byte[] answer = "reloaded".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        prometheus.start();
        opened.add(() -> prometheus.stop(0));
        Path targetsDir = Files.createDirectories(home.resolve("targets"));
        ManagerConfig config = ManagerConfig.defaults(home).withPrometheus(PrometheusConfig.external(
                "http://127.0.0.1:" + prometheus.getAddress().getPort(), targetsDir));
        MetadataStore store = MetadataStore.open(MetadataConfig.embedded(), home, new MetaNode("127.0.0.1", 57000));
        opened.add(store);
        UpdatePrometheus update = new UpdatePrometheus(store, config, new ManagerMetrics(Map::of));
        List<UndoAction<?>> undo = new ArrayList<>(update.undoActions());
        undo.add(new DeleteExporterRow(store));
        JobEngine engine = new JobEngine(store.jobs(),
                List.of(new AddsExporterThenFails(store, update, failingJobRefreshed, otherJobEnded),
                        new AddsExporterAfter(store, update, failingJobRefreshed)),
                new UndoActions(undo), JobEngine.Settings.of(config));
        opened.add(engine);
        engine.onJobEnded(status -> {
            if (status.jobId().equals("other")) {
                otherJobEnded.countDown();
            }
        });
        engine.recover();

        engine.submit(WireFormat.parse(("{\"job_type\":\"mysqld_exporter\",\"job_id\":\"failing\","
                + "\"ip\":\"127.0.0.4\",\"port\":57005}").getBytes(StandardCharsets.UTF_8)));
        engine.submit(WireFormat.parse(("{\"job_type\":\"postgres_exporter\",\"job_id\":\"other\","
                + "\"ip\":\"127.0.0.5\",\"port\":57006}").getBytes(StandardCharsets.UTF_8)));

        JobStatus failed = engine.await("failing", TIMEOUT);
        assertThat(failed.state()).isEqualTo(JobState.FAILED);
        assertThat(failed.info()).isEqualTo("exporter crashed; rolled back");
        assertThat(engine.await("other", TIMEOUT).state()).isEqualTo(JobState.DONE);
        String targets = String.join("\n", readAll(targetsDir));
        assertThat(targets).contains(OTHER_JOBS.address()).doesNotContain(FAILING_JOBS.address());
    }

    private static List<String> readAll(Path directory) throws IOException {
        try (var files = Files.list(directory)) {
            return files.map(file -> {
                try {
                    return Files.readString(file);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }).toList();
        }
    }

    private static Exporter exporter(String hostaddr, int instancePort) {
        return new Exporter(hostaddr, 9104, Kind.MYSQLD, hostaddr, instancePort, "c_" + instancePort,
                Optional.of("shard1"), Optional.empty(), Optional.empty());
    }

    /** A job on its own lock key that records an exporter and refreshes the targets, as ExporterStart does. */
    private abstract static class AddsExporter implements Operation<JobRequest, Void> {
        private final MetadataStore store;
        private final UpdatePrometheus update;
        private final Exporter exporter;
        private final JobType type;

        AddsExporter(MetadataStore store, UpdatePrometheus update, Exporter exporter, JobType type) {
            this.store = store;
            this.update = update;
            this.exporter = exporter;
            this.type = type;
        }

        @Override
        public JobType type() {
            return type;
        }

        @Override
        public String lockKey(JobRequest request) {
            return "cluster:" + exporter.clusterName();
        }

        @Override
        public Void check(JobRequest request, JobContext context) {
            return null;
        }

        void addExporter(JobContext context) {
            update.willRewriteTargets(context);
            context.willDo(DELETE_EXPORTER_ROW, exporter.address());
            store.exporters().insert(exporter);
            update.refresh(context);
        }

        static void await(CountDownLatch latch, String what) {
            try {
                if (!latch.await(10, TimeUnit.SECONDS)) {
                    throw new IllegalStateException(what + " never happened");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    /** Adds its exporter, waits until the other job has added its own and ended, then fails. */
    private static final class AddsExporterThenFails extends AddsExporter {
        private final CountDownLatch refreshed;
        private final CountDownLatch otherJobEnded;

        AddsExporterThenFails(MetadataStore store, UpdatePrometheus update, CountDownLatch refreshed,
                              CountDownLatch otherJobEnded) {
            super(store, update, FAILING_JOBS, JobType.MYSQLD_EXPORTER);
            this.refreshed = refreshed;
            this.otherJobEnded = otherJobEnded;
        }

        @Override
        public String run(JobRequest request, Void plan, JobContext context) {
            addExporter(context);
            refreshed.countDown();
            await(otherJobEnded, "the other job's end");
            throw new ManagerException(ManagerException.Code.COMMAND_FAILED, "exporter crashed");
        }
    }

    /** Adds its exporter once the failing job has refreshed the targets with its own. */
    private static final class AddsExporterAfter extends AddsExporter {
        private final CountDownLatch failingJobRefreshed;

        AddsExporterAfter(MetadataStore store, UpdatePrometheus update, CountDownLatch failingJobRefreshed) {
            super(store, update, OTHER_JOBS, JobType.POSTGRES_EXPORTER);
            this.failingJobRefreshed = failingJobRefreshed;
        }

        @Override
        public String run(JobRequest request, Void plan, JobContext context) {
            await(failingJobRefreshed, "the failing job's refresh");
            addExporter(context);
            return "exporter running";
        }
    }

    /** Undo of recording an exporter: deletes its row. */
    private static final class DeleteExporterRow implements UndoAction<String> {
        private final MetadataStore store;

        DeleteExporterRow(MetadataStore store) {
            this.store = store;
        }

        @Override
        public String name() {
            return DELETE_EXPORTER_ROW;
        }

        @Override
        public Class<String> payloadType() {
            return String.class;
        }

        @Override
        public void undo(String address) {
            String[] parts = address.split(":");
            store.exporters().delete(parts[0], Integer.parseInt(parts[1]));
        }
    }
}
