package io.kunlun.testkit.exporters;

import com.fasterxml.jackson.databind.JsonNode;
import io.kunlun.core.config.ManagerConfig.PrometheusConfig;
import io.kunlun.testkit.LoopbackMachines;
import io.kunlun.testkit.Reply;
import io.kunlun.testkit.TestManager;
import io.kunlun.testkit.cluster.ClusterFixture;
import io.kunlun.testkit.monitor.PrometheusApi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.kunlun.testkit.exporters.ExporterFixture.NO_TARGETS;
import static io.kunlun.testkit.exporters.ExporterFixture.createCluster;
import static io.kunlun.testkit.exporters.ExporterFixture.deleteIfPresent;
import static io.kunlun.testkit.exporters.ExporterFixture.exporter;
import static io.kunlun.testkit.exporters.ExporterFixture.exporterProcesses;
import static io.kunlun.testkit.exporters.ExporterFixture.firstInstance;
import static io.kunlun.testkit.exporters.ExporterFixture.job;
import static io.kunlun.testkit.exporters.ExporterFixture.killExportersOn;
import static io.kunlun.testkit.exporters.ExporterFixture.query;
import static io.kunlun.testkit.exporters.ExporterFixture.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * mysqld_exporter and postgres_exporter through HTTP: a no_rep cluster on 127.0.0.85, one
 * exporter for its storage node and one for its comp, scraped by the manager's own Prometheus
 * (on 127.0.0.90, every second). The last test deletes the cluster and its exporters with it.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ExportersOverHttpTest {
    private static final String PROMETHEUS_HOST = "127.0.0.90";
    private static final int PROMETHEUS_PORT = PrometheusApi.freePort(PROMETHEUS_HOST);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final String ADDRESS = "127\\.0\\.0\\.85:[0-9]+";

    @RegisterExtension
    static TestManager manager = TestManager.builder()
            .configure(config -> config.withPrometheus(
                    PrometheusConfig.managed(PROMETHEUS_HOST, PROMETHEUS_PORT).withScrapeIntervalSeconds(1)))
            .build();
    @RegisterExtension
    static LoopbackMachines machines = LoopbackMachines.range("127.0.0.85", "127.0.0.89");

    private static final PrometheusApi prometheus = new PrometheusApi(PROMETHEUS_HOST, PROMETHEUS_PORT);
    private static String cluster;
    private static String storage;
    private static String comp;
    private static Reply mysqld;
    private static Reply postgres;

    @BeforeAll
    static void createAClusterAndItsExporters() {
        cluster = createCluster(manager, machines.take());
        storage = firstInstance(manager, "get_storage", cluster);
        comp = firstInstance(manager, "get_computer", cluster);
        mysqld = run(manager, exporter("mysqld_exporter", storage));
        postgres = run(manager, exporter("postgres_exporter", comp));
    }

    @AfterAll
    static void stopEverythingStarted() {
        try {
            deleteIfPresent(manager, cluster);
        } finally {
            killExportersOn("127.0.0.85");
            PrometheusApi.killManagedPrometheus(manager.home());
        }
    }

    @Test
    @Order(1)
    void theMysqldExporterRunsBesideTheStorageNodeAndSeesItUp() {
        assertThat(mysqld.result()).as(mysqld.toString()).isEqualTo("done");
        assertThat(mysqld.info()).matches("mysqld exporter running on " + ADDRESS);

        assertThat(metrics(exporterAddress(mysqld)).lines()).contains("mysql_up 1");
    }

    @Test
    @Order(1)
    void thePostgresExporterRunsBesideTheCompAndSeesItUp() {
        assertThat(postgres.result()).as(postgres.toString()).isEqualTo("done");
        assertThat(postgres.info()).matches("postgres exporter running on " + ADDRESS);

        assertThat(metrics(exporterAddress(postgres)).lines()).contains("pg_up 1");
    }

    @Test
    @Order(1)
    void prometheusScrapesBothExportersWithTheInstancesPlaceAsLabels() {
        JsonNode mysqldTarget = prometheus.awaitUp("mysqld", exporterAddress(mysqld));
        JsonNode postgresTarget = prometheus.awaitUp("postgres", exporterAddress(postgres));

        assertThat(PrometheusApi.labels(mysqldTarget)).containsEntry("cluster", cluster)
                .containsEntry("shard", "shard1").containsEntry("role", "primary")
                .containsEntry("hostaddr", "127.0.0.85").containsEntry("port", storage.split(":")[1]);
        assertThat(PrometheusApi.labels(postgresTarget)).containsEntry("cluster", cluster)
                .containsEntry("comp", "comp1").containsEntry("hostaddr", "127.0.0.85")
                .containsEntry("port", comp.split(":")[1]);
    }

    @Test
    @Order(1)
    void theExporterRunsAsTheClustersAccountWithItsPasswordInAPrivateFileOnly() throws IOException {
        ProcessHandle process = single(exporterProcesses(exporterAddress(mysqld)));
        List<String> argv = List.of(process.info().arguments().orElseThrow());
        String optionFile = argv.get(0).substring("--config.my-cnf=".length());

        assertThat(process.info().command()).hasValue("/usr/bin/prometheus-mysqld-exporter");
        assertThat(argv).containsExactly("--config.my-cnf=" + optionFile,
                "--web.listen-address=" + exporterAddress(mysqld));
        assertThat(process.info().user()).hasValue(manager.osAccount(cluster));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(Path.of(optionFile))))
                .isEqualTo("rw-------");
        assertThat(Files.getOwner(Path.of(optionFile), LinkOption.NOFOLLOW_LINKS).getName())
                .isEqualTo(manager.osAccount(cluster));
        assertThat(Files.readString(Path.of(optionFile))).contains("user=kunlun_monitor\n");
    }

    @Test
    @Order(2)
    void aSecondRequestForARunningExporterStartsNoOther() {
        Reply again = run(manager, exporter("mysqld_exporter", storage));

        assertThat(again.result()).as(again.toString()).isEqualTo("done");
        assertThat(again.info()).isEqualTo("mysqld exporter already running on " + exporterAddress(mysqld));
        assertThat(exporterProcesses(exporterAddress(mysqld))).hasSize(1);
    }

    @Test
    @Order(2)
    void deletingACompTakesItsExporterOutOfTheTargetsAndLeavesTheOthers() throws IOException {
        Reply added = run(manager, job("add_comps").put("cluster_name", cluster).put("comps", "1"));
        assertThat(added.info()).as(added.toString()).isEqualTo("comp2");
        JsonNode comp2 = ClusterFixture.entries(query(manager, "get_computer", cluster)).stream()
                .filter(entry -> entry.get("name").asText().equals("comp2")).findFirst().orElseThrow();
        String address = exporterAddress(run(manager, exporter("postgres_exporter",
                comp2.get("ip").asText() + ":" + comp2.get("port").asText())));
        prometheus.awaitUp("postgres", address);

        Reply deleted = run(manager, job("delete_comp").put("cluster_name", cluster).put("comp_name", "comp2"));

        assertThat(deleted.result()).as(deleted.toString()).isEqualTo("done");
        assertThat(exporterProcesses(address)).isEmpty();
        assertThat(Files.readString(manager.home().resolve("prometheus/targets/postgres.json")))
                .doesNotContain(address).contains(exporterAddress(postgres));
        prometheus.awaitNoTarget("postgres", address);
    }

    @Test
    @Order(2)
    void aRecordedExporterThatDiedIsStartedAgainOnItsPort() throws Exception {
        ProcessHandle dead = single(exporterProcesses(exporterAddress(postgres)));
        dead.destroyForcibly();
        dead.onExit().get(10, TimeUnit.SECONDS);

        Reply again = run(manager, exporter("postgres_exporter", comp));

        assertThat(again.info()).as(again.toString())
                .isEqualTo("postgres exporter restarted on " + exporterAddress(postgres));
        assertThat(metrics(exporterAddress(postgres)).lines()).contains("pg_up 1");
    }

    @Test
    @Order(2)
    void aMysqldExporterForACompIsRefused() {
        Reply refused = run(manager, exporter("mysqld_exporter", comp));

        assertThat(refused.result()).isEqualTo("failed");
        assertThat(refused.info()).isEqualTo(comp + " is a comp, not a storage instance");
    }

    @Test
    @Order(2)
    void aPostgresExporterForAStorageNodeIsRefused() {
        Reply refused = run(manager, exporter("postgres_exporter", storage));

        assertThat(refused.result()).isEqualTo("failed");
        assertThat(refused.info()).isEqualTo(storage + " is a storage instance, not a comp");
    }

    @Test
    @Order(2)
    void anExporterForAnUnknownInstanceIsRefused() {
        Reply refused = run(manager, exporter("mysqld_exporter", "127.0.0.85:1"));

        assertThat(refused.result()).isEqualTo("failed");
        assertThat(refused.info()).isEqualTo("no managed instance at 127.0.0.85:1");
    }

    @Test
    @Order(3)
    void deletingTheClusterStopsItsExportersAndTakesThemOutOfTheTargets() throws IOException {
        List<String> exporters = List.of(exporterAddress(mysqld), exporterAddress(postgres));

        Reply deleted = run(manager, job("delete_cluster").put("cluster_name", cluster));

        assertThat(deleted.result()).as(deleted.toString()).isEqualTo("done");
        for (String address : exporters) {
            assertThat(exporterProcesses(address)).as(address).isEmpty();
            String[] hostAndPort = address.split(":");
            assertThatThrownBy(() -> new Socket(hostAndPort[0], Integer.parseInt(hostAndPort[1])).close())
                    .as(address).isInstanceOf(ConnectException.class);
        }
        Path targets = manager.home().resolve("prometheus/targets");
        assertThat(Files.readString(targets.resolve("mysqld.json"))).isEqualTo(NO_TARGETS);
        assertThat(Files.readString(targets.resolve("postgres.json"))).isEqualTo(NO_TARGETS);
        prometheus.awaitNoTarget("mysqld", exporterAddress(mysqld));
        prometheus.awaitNoTarget("postgres", exporterAddress(postgres));
    }

    @Test
    @Order(4)
    void anExporterOfADeletedInstanceIsRefused() {
        Reply refused = run(manager, exporter("postgres_exporter", comp));

        assertThat(refused.result()).isEqualTo("failed");
        assertThat(refused.info()).isEqualTo("no managed instance at " + comp);
    }

    /** Where the exporter listens, from the job's info ({@code ... running on ip:port}). */
    private static String exporterAddress(Reply started) {
        return started.info().substring(started.info().lastIndexOf(' ') + 1);
    }

    private static String metrics(String address) {
        try {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + address + "/metrics"))
                    .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(200);
            return response.body();
        } catch (IOException e) {
            throw new AssertionError("GET http://" + address + "/metrics failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    private static ProcessHandle single(List<ProcessHandle> processes) {
        assertThat(processes).hasSize(1);
        return processes.get(0);
    }
}
