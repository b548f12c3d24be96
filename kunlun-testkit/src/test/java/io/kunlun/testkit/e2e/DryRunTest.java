package io.kunlun.testkit.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kunlun.testkit.LoopbackMachine;
import io.kunlun.testkit.LoopbackMachines;
import io.kunlun.testkit.Reply;
import io.kunlun.testkit.TestManager;
import io.kunlun.testkit.cluster.ClusterFixture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;

import static io.kunlun.testkit.InstanceTraces.instanceDirectories;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * "dry_run":"1" (extension): the job's check against the real state, answered at once with the
 * plan, and nothing made, changed or recorded. Real machines 127.0.0.118 to 127.0.0.120 and a real
 * rbr cluster of one shard of two nodes (on the first two) and one comp.
 */
class DryRunTest {
    @RegisterExtension
    static LoopbackMachines loopback = LoopbackMachines.range("127.0.0.118", "127.0.0.120");

    @RegisterExtension
    static TestManager manager = TestManager.create();

    static List<LoopbackMachine> machines;
    static String cluster;

    @BeforeAll
    static void registerMachinesAndCreateACluster() {
        machines = List.of(loopback.take(), loopback.take(), loopback.take());
        ClusterFixture.register(manager, machines);
        cluster = ClusterFixture.createdCluster(manager.client(), "rbr", 1, 2, 1, machines.subList(0, 2));
    }

    private static Reply dryRun(ObjectNode request) {
        return manager.client().post(request.put("dry_run", "1").toString());
    }

    @Test
    void createClusterAnswersEveryNewInstanceWithItsMachinePortsAndDirectoriesAndMakesNothing() {
        int jobsBefore = jobCount();

        Reply reply = dryRun(ClusterFixture.createCluster("rbr", 1, 2, 1, machines).put("cluster_name", "planned"));

        assertThat(reply.status()).isEqualTo(200);
        JsonNode plan = reply.json();
        assertThat(plan.get("result").asText()).as(reply.toString()).isEqualTo("done");
        assertThat(plan.get("info").asText()).isEqualTo("dry run: create_cluster passed its check; nothing was"
                + " changed and no job was accepted");
        assertThat(plan.get("cluster_name").asText()).isEqualTo("planned");
        JsonNode instances = plan.get("new_instances");
        assertThat(instances).hasSize(3);
        JsonNode primary = instances.get(0);
        assertThat(primary.get("kind").asText()).isEqualTo("storage");
        assertThat(primary.get("shard").asText()).isEqualTo("shard1");
        assertThat(primary.get("role").asText()).isEqualTo("primary");
        assertThat(primary.get("directories").get(0).asText())
                .startsWith(machineOf(primary).datadir().toString() + "/instance_data/");
        assertThat(instances.get(1).get("role").asText()).isEqualTo("replica");
        assertThat(instances.get(1).get("ip").asText()).isNotEqualTo(primary.get("ip").asText());
        assertThat(instances.get(2).get("comp").asText()).isEqualTo("comp1");
        assertThat(primary.get("ports").asText()).startsWith(primary.get("port").asText() + ",");

        assertThat(jobCount()).as("no job accepted").isEqualTo(jobsBefore);
        assertThat(ClusterFixture.entries(manager.client().post("{\"job_type\":\"get_cluster\"}").json()))
                .extracting(entry -> entry.get("name").asText()).containsExactly(cluster);
        for (LoopbackMachine machine : machines) {
            assertThat(instanceDirectories(machine, primary.get("port").asInt())).as(machine.hostaddr()).isEmpty();
        }
    }

    @Test
    void aJobThatWouldBeRefusedAnswersItsReason() {
        Reply reply = dryRun(ClusterFixture.createCluster("no_rep", 1, 1, 1, machines)
                .put("cluster_name", cluster));

        assertThat(reply.json().get("result").asText()).isEqualTo("failed");
        assertThat(reply.json().get("info").asText()).isEqualTo("cluster " + cluster + " already exists");
    }

    @Test
    void deleteClusterAnswersTheInstancesItWouldRemoveAndTheyKeepRunning() {
        Reply reply = dryRun(ClusterFixture.job("delete_cluster", cluster));

        JsonNode removed = reply.json().get("removed_instances");
        assertThat(removed).as(reply.toString()).hasSize(3);
        assertThat(removed).extracting(instance -> instance.get("kind").asText())
                .containsExactly("storage", "storage", "comp");
        for (JsonNode instance : removed) {
            assertThat(ClusterFixture.listening(instance)).as(instance.toString()).isTrue();
        }
    }

    @Test
    void addNodesAnswersTheNewReplicaOnTheMachineWithoutANodeOfTheShardAndMakesNothing() {
        int jobsBefore = jobCount();

        Reply reply = dryRun(ClusterFixture.job("add_nodes", cluster).put("shard_name", "shard1").put("nodes", "1"));

        JsonNode added = reply.json().get("new_instances");
        assertThat(added).as(reply.toString()).hasSize(1);
        assertThat(added.get(0).get("ip").asText()).isEqualTo(machines.get(2).hostaddr());
        assertThat(added.get(0).get("role").asText()).isEqualTo("replica");
        assertThat(jobCount()).isEqualTo(jobsBefore);
        assertThat(instanceDirectories(machines.get(2))).isEmpty();
        assertThat(ClusterFixture.listening(added.get(0))).isFalse();
        assertThat(ClusterFixture.storageNodes(manager.client(), cluster)).hasSize(2);
    }

    @Test
    void deleteNodeAnswersTheNodeItWouldRemoveAndItKeepsReplicating() {
        JsonNode replica = ClusterFixture.storageNodes(manager.client(), cluster).stream()
                .filter(node -> node.get("role").asText().equals("replica")).findFirst().orElseThrow();

        Reply reply = dryRun(ClusterFixture.job("delete_node", cluster).put("shard_name", "shard1")
                .put("ip", replica.get("ip").asText()).put("port", replica.get("port").asText()));

        JsonNode removed = reply.json().get("removed_instances");
        assertThat(removed).as(reply.toString()).hasSize(1);
        assertThat(removed.get(0).get("port").asText()).isEqualTo(replica.get("port").asText());
        assertThat(ClusterFixture.storageNodes(manager.client(), cluster)).hasSize(2);
        assertThat(ClusterFixture.listening(replica)).isTrue();
    }

    @Test
    void aQueryCannotBeADryRun() {
        Reply reply = manager.client().post("{\"job_type\":\"get_cluster\",\"dry_run\":\"1\"}");

        assertThat(reply).isEqualTo(Reply.of(400, "{\"result\":\"failed\",\"info\":\"dry_run is for jobs that"
                + " change something; get_cluster is answered at once and changes nothing\"}"));
    }

    @Test
    void aDryRunValueOtherThan0Or1IsRefused() {
        Reply reply = manager.client().post("{\"job_type\":\"delete_cluster\",\"cluster_name\":\"x\",\"dry_run\":\"yes\"}");

        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.json().get("info").asText()).isEqualTo("dry_run must be \"1\" or \"0\", got \"yes\"");
    }

    private static LoopbackMachine machineOf(JsonNode instance) {
        return machines.stream().filter(machine -> machine.hostaddr().equals(instance.get("ip").asText()))
                .findFirst().orElseThrow();
    }

    private static int jobCount() {
        return manager.client().post("{\"job_type\":\"list_jobs\",\"limit\":\"1000\"}").json().get("jobs").size();
    }
}
