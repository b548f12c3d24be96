package io.kunlun.testkit.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import io.kunlun.core.config.ManagerConfig.PrometheusConfig;
import io.kunlun.core.engines.EngineConfig;
import io.kunlun.testkit.InstanceTraces;
import io.kunlun.testkit.LoopbackMachine;
import io.kunlun.testkit.LoopbackMachines;
import io.kunlun.testkit.Reply;
import io.kunlun.testkit.TestManager;
import io.kunlun.testkit.monitor.PrometheusApi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.kunlun.testkit.cluster.ClusterFixture.comps;
import static io.kunlun.testkit.cluster.ClusterFixture.createCluster;
import static io.kunlun.testkit.cluster.ClusterFixture.createdCluster;
import static io.kunlun.testkit.cluster.ClusterFixture.job;
import static io.kunlun.testkit.cluster.ClusterFixture.machineList;
import static io.kunlun.testkit.cluster.ClusterFixture.run;
import static io.kunlun.testkit.cluster.ClusterFixture.storageNodes;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each cluster's instances run as an operating-system account of its own on each machine, which
 * no other cluster's account can read the files of; the account goes with the cluster, and with
 * the rollback of the job that made it. Two clusters share one machine; a third machine's server
 * program refuses to start instances, for the rollback.
 */
class OsAccountsTest {
    @RegisterExtension
    static LoopbackMachines loopback = LoopbackMachines.range("127.0.0.163", "127.0.0.165");
    /** Where the manager's Prometheus listens, for the exporter of one test. */
    private static final String PROMETHEUS_HOST = "127.0.0.166";
    @TempDir
    static Path programs;
    static TestManager manager;
    static LoopbackMachine shared;
    static LoopbackMachine spare;
    static LoopbackMachine refusing;
    static String first;
    static String second;

    @BeforeAll
    static void createTwoClustersOnOneMachine() throws IOException {
        shared = loopback.take();
        spare = loopback.take();
        refusing = loopback.take();
        Path server = programs.resolve("mariadbd");
        Files.writeString(server, "#!/bin/sh\n"
                + "for argument; do case \"$argument\" in --defaults-file=*) echo 'refusing to start' >&2; exit 1;;"
                + " esac; done\n"
                + "exec " + EngineConfig.defaults().storageServer() + " \"$@\"\n");
        Files.setPosixFilePermissions(server, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(programs, PosixFilePermissions.fromString("rwxr-xr-x"));
        manager = TestManager.builder().configure(config -> config.withExposeCredentials(true)
                .withPrometheus(PrometheusConfig.managed(PROMETHEUS_HOST, PrometheusApi.freePort(PROMETHEUS_HOST)))
                .withMachineEngines(Map.of(refusing.hostaddr(), config.engines().withStorageServer(server.toString()))))
                .build().start();
        ClusterFixture.register(manager, List.of(shared, spare, refusing));
        first = createdCluster(manager.client(), "no_rep", 1, 1, 1, List.of(shared));
        second = createdCluster(manager.client(), "no_rep", 1, 1, 1, List.of(shared));
    }

    @AfterAll
    static void deleteClusters() {
        try {
            for (String cluster : new String[] {first, second}) {
                if (cluster != null) {
                    ClusterFixture.deleteCluster(manager, cluster);
                }
            }
        } finally {
            if (manager != null) {
                PrometheusApi.killManagedPrometheus(manager.home());
                manager.close();
            }
        }
    }

    @Test
    void twoClustersOnOneMachineRunAsAccountsOfTheirOwn() {
        assertThat(manager.osAccount(first)).isNotEqualTo(manager.osAccount(second)).startsWith("kunlun_c");
        for (String cluster : List.of(first, second)) {
            JsonNode storage = storageNodes(manager.client(), cluster).get(0);
            JsonNode comp = comps(manager.client(), cluster).get(0);
            assertThat(user(InstanceTraces.storageServer(shared, storage.get("port").asInt())))
                    .as("the storage node of " + cluster).isEqualTo(manager.osAccount(cluster));
            assertThat(user(InstanceTraces.compServer(shared, comp.get("port").asInt())))
                    .as("the comp of " + cluster).isEqualTo(manager.osAccount(cluster));
        }
    }

    @Test
    void oneClustersAccountCannotReadTheOthersDataOrExporterPassword() throws Exception {
        JsonNode storage = storageNodes(manager.client(), first).get(0);
        Reply exporter = run(manager, job("mysqld_exporter", first).put("ip", storage.get("ip").asText())
                .put("port", storage.get("port").asText()));
        assertThat(exporter.result()).as(exporter.toString()).isEqualTo("done");
        Path instanceDir = ClusterFixture.instanceDirectories(List.of(shared), storage).get(0);
        Path password = instanceDir.resolve("mysqld_exporter.cnf");

        assertThat(runAs(manager.osAccount(first), "cat", password.toString())).as("its own account reads it")
                .contains("password=");
        assertThat(runAs(manager.osAccount(second), "cat", password.toString()))
                .isEqualTo("cat: " + password + ": Permission denied\n");
        assertThat(runAs(manager.osAccount(second), "ls", instanceDir.toString()))
                .isEqualTo("ls: cannot open directory '" + instanceDir + "': Permission denied\n");
        assertThat(runAs(manager.osAccount(second), "ls", instanceDir.resolve("data").toString()))
                .isEqualTo("ls: cannot access '" + instanceDir.resolve("data") + "': Permission denied\n");
    }

    @Test
    void addCompsOnAMachineTheClusterNeverUsedRunsTheCompAsTheClustersAccount() {
        Reply added = run(manager, machineList(job("add_comps", first).put("comps", "1"), List.of(spare.hostaddr())));
        assertThat(added.result()).as(added.toString()).isEqualTo("done");

        JsonNode comp = comps(manager.client(), first).stream()
                .filter(entry -> entry.get("ip").asText().equals(spare.hostaddr())).findFirst().orElseThrow();
        assertThat(user(InstanceTraces.compServer(spare, comp.get("port").asInt())))
                .isEqualTo(manager.osAccount(first));
    }

    @Test
    void deletingAClusterDeletesItsAccountAndNoOther() throws Exception {
        String third = createdCluster(manager.client(), "no_rep", 1, 1, 1, List.of(shared));
        assertThat(accountExists(manager.osAccount(third))).isTrue();

        assertThat(ClusterFixture.deleteCluster(manager, third).result()).isEqualTo("done");

        assertThat(accountExists(manager.osAccount(third))).isFalse();
        assertThat(accountExists(manager.osAccount(first))).isTrue();
        assertThat(accountExists(manager.osAccount(second))).isTrue();
    }

    @Test
    void deletingAClusterWaitsForAShortCommandStillRunningAsItsAccountAndDeletesTheAccount() throws Exception {
        String cluster = createdCluster(manager.client(), "no_rep", 1, 1, 1, List.of(shared));
        // What a health probe's client is at the wrong moment: a process of the account that ends soon.
        Process shortLived = new ProcessBuilder("runuser", "-u", manager.osAccount(cluster), "--", "sleep", "10")
                .start();
        try {
            assertThat(ClusterFixture.deleteCluster(manager, cluster).result()).isEqualTo("done");

            assertThat(shortLived.isAlive()).as("the short command outlived the deletion").isFalse();
            assertThat(accountExists(manager.osAccount(cluster))).isFalse();
        } finally {
            shortLived.destroyForcibly();
        }
    }

    @Test
    void aFailedCreateClusterDeletesTheAccountItMadeAndNoOther() throws Exception {
        String cluster = "refused_" + System.nanoTime();
        Reply failed = run(manager, createCluster("no_rep", 1, 1, 1, List.of(refusing)).put("cluster_name", cluster));
        assertThat(failed.result()).as(failed.toString()).isEqualTo("failed");
        assertThat(failed.info()).contains("refusing to start").endsWith("; rolled back");

        assertThat(accountExists(manager.osAccount(cluster))).isFalse();
        assertThat(accountExists(manager.osAccount(first))).isTrue();
        assertThat(accountExists(manager.osAccount(second))).isTrue();
        assertThat(ClusterFixture.listening(storageNodes(manager.client(), first).get(0))).isTrue();
    }

    private static String user(ProcessHandle process) {
        return process.info().user().orElseThrow();
    }

    private static boolean accountExists(String name) throws Exception {
        return new ProcessBuilder("id", "-u", name).redirectErrorStream(true).start().waitFor() == 0;
    }

    /** What the command, run as the account, printed on standard output and error. */
    private static String runAs(String account, String... argv) throws Exception {
        List<String> command = new ArrayList<>(List.of("runuser", "-u", account, "--"));
        command.addAll(List.of(argv));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
}
