package io.kunlun.testkit.networks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kunlun.testkit.LoopbackMachine;
import io.kunlun.testkit.Reply;
import io.kunlun.testkit.TempDirs;
import io.kunlun.testkit.TestManager;
import io.kunlun.testkit.cluster.ClusterFixture;
import io.kunlun.testkit.netns.NamespaceMachine;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

import static io.kunlun.testkit.cluster.ClusterFixture.entries;
import static io.kunlun.testkit.cluster.ClusterFixture.query;
import static io.kunlun.testkit.networks.MachineNetwork.mariadb;
import static io.kunlun.testkit.networks.MachineNetwork.postgres;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * An add_nodes onto a machine the cluster never used (each machine in a network namespace of its
 * own, reached over SSH) that fails after it let that machine in
 * takes the grants back: every instance refuses the cluster's accounts from there again. The
 * backup that seeds the new node is a script that waits a little, then fails.
 */
class NewMachineRollbackTest {
    private static final String BACKUP_FAILURE = "the backup program of this test refuses to back up";

    static MachineNetwork network;
    static NamespaceMachine newMachine;
    static Path scratch;
    static TestManager manager;
    static List<LoopbackMachine> machines;

    @BeforeAll
    static void startManagerWithAFailingBackupForTheNewMachine() throws Exception {
        network = MachineNetwork.start(2);
        newMachine = network.newMachine();
        scratch = TempDirs.create("kunlun-failing-backup-");
        Files.setPosixFilePermissions(scratch, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path backup = Files.writeString(scratch.resolve("mariadb-backup"),
                "#!/bin/sh\nsleep 3\necho '" + BACKUP_FAILURE + "' >&2\nexit 3\n");
        Files.setPosixFilePermissions(backup, PosixFilePermissions.fromString("rwxr-xr-x"));
        manager = network.startManager(config -> config.withMachineEngines(
                Map.of(newMachine.address(), config.engines().withStorageBackup(backup.toString()))));
        machines = network.clusterMachines();
    }

    @AfterAll
    static void stopEverything() throws Exception {
        try {
            if (network != null) {
                network.close();
            }
        } finally {
            if (scratch != null) {
                TempDirs.delete(scratch);
            }
        }
    }

    @Test
    void aFailedAddNodesRevokesTheNewMachineFromEveryInstanceItWasGrantedOn() throws Exception {
        Reply created = ClusterFixture.run(manager, ClusterFixture.createCluster("rbr", 1, 2, 1, machines));
        assertThat(created.result()).as(created.toString()).isEqualTo("done");
        String cluster = created.info();
        JsonNode storageBefore = query(manager, "get_storage", cluster);
        List<JsonNode> nodes = entries(storageBefore);
        JsonNode comp = entries(query(manager, "get_computer", cluster)).get(0);
        ObjectNode request = NetworkRequests.onMachine(NetworkRequests.addNodes(cluster, "shard1", 1),
                newMachine.address());

        assertThat(manager.post(request.toString()).result()).isEqualTo("accept");
        for (JsonNode node : nodes) {
            assertThat(NetworkRequests.eventually(() -> mariadb(newMachine, node, "SELECT CURRENT_USER"),
                    "kunlun_admin@" + newMachine.address() + "/255.255.255.255")).as("while the job runs, " + node)
                    .isEqualTo("kunlun_admin@" + newMachine.address() + "/255.255.255.255");
        }
        assertThat(NetworkRequests.eventually(() -> postgres(newMachine, comp, "SELECT current_user"), "kunlun_admin"))
                .as("while the job runs, " + comp).isEqualTo("kunlun_admin");
        Reply failed = manager.client().awaitJob(request.get("job_id").asText(), ClusterFixture.CLUSTER_JOB_TIMEOUT);

        assertThat(failed.result()).isEqualTo("failed");
        assertThat(failed.info()).contains(BACKUP_FAILURE).endsWith("; rolled back");
        assertThat(query(manager, "get_storage", cluster)).isEqualTo(storageBefore);
        for (JsonNode node : nodes) {
            assertThatThrownBy(() -> mariadb(newMachine, node, "SELECT 1")).as(node.toString()).hasMessage(
                    "ERROR 1130 (HY000): Host '" + newMachine.address() + "' is not allowed to connect to this MariaDB server");
        }
        assertThatThrownBy(() -> postgres(newMachine, comp, "SELECT 1")).hasMessageContaining(
                "no pg_hba.conf entry for host \"" + newMachine.address() + "\", user \"kunlun_admin\"");
        assertThat(ClusterFixture.deleteCluster(manager, cluster).result()).isEqualTo("done");
    }

    @Test
    void anAddCompsOntoANewMachineWhileAnInstanceIsStoppedIsRefusedBeforeAnythingIsGranted() throws Exception {
        String cluster = ClusterFixture.createdCluster(manager.client(), "rbr", 1, 2, 1, machines);
        JsonNode replica = entries(query(manager, "get_storage", cluster)).stream()
                .filter(node -> node.get("role").asText().equals("replica")).findFirst().orElseThrow();
        JsonNode primary = entries(query(manager, "get_storage", cluster)).stream()
                .filter(node -> node.get("role").asText().equals("primary")).findFirst().orElseThrow();
        assertThat(ClusterFixture.control(manager, replica, "stop").result()).isEqualTo("done");
        JsonNode compsBefore = query(manager, "get_computer", cluster);

        Reply refused = ClusterFixture.run(manager, NetworkRequests.onMachine(NetworkRequests.addComps(cluster, 1),
                newMachine.address()));

        assertThat(refused.result()).isEqualTo("failed");
        assertThat(refused.info()).isEqualTo("shard1 node " + ClusterFixture.address(replica)
                + " is not running, so it would refuse the cluster's accounts from " + newMachine.address()
                + "/32; start it, then run the job again");
        assertThat(query(manager, "get_computer", cluster)).isEqualTo(compsBefore);
        assertThatThrownBy(() -> mariadb(newMachine, primary, "SELECT 1")).hasMessage("ERROR 1130 (HY000): Host '"
                + newMachine.address() + "' is not allowed to connect to this MariaDB server");
        assertThat(ClusterFixture.control(manager, replica, "start").result()).isEqualTo("done");
        assertThat(ClusterFixture.deleteCluster(manager, cluster).result()).isEqualTo("done");
    }
}
