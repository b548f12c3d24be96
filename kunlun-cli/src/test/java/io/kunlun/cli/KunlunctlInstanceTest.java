package io.kunlun.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kunlun.testkit.LoopbackMachine;
import io.kunlun.testkit.LoopbackMachines;
import io.kunlun.testkit.Reply;
import io.kunlun.testkit.TestManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** kunlunctl instance ... against a manager with a real no_rep cluster on 127.0.0.84. */
class KunlunctlInstanceTest {
    @RegisterExtension
    static TestManager manager = TestManager.create();
    @RegisterExtension
    static LoopbackMachines loopback = LoopbackMachines.of("127.0.0.84");
    static String cluster;
    static String compPort;
    static String compIp;

    @BeforeAll
    static void createCluster() {
        LoopbackMachine machine = loopback.take();
        assertThat(manager.submitAndAwait(machine.request("create_machine", "m-" + UUID.randomUUID())
                .put("total_mem", "65536").put("total_cpu_cores", "32").toString()).result()).isEqualTo("done");
        ObjectNode request = JsonNodeFactory.instance.objectNode().put("job_id", "c-" + UUID.randomUUID())
                .put("job_type", "create_cluster").put("ha_mode", "no_rep").put("shards", "1").put("nodes", "1")
                .put("comps", "1").put("max_storage_size", "20").put("max_connections", "100").put("cpu_cores", "1")
                .put("innodb_size", "1").put("user_name", "tester");
        ArrayNode machines = request.putArray("machinelist");
        machines.addObject().put("hostaddr", machine.hostaddr());
        manager.post(request.toString());
        Reply created = manager.client().awaitJob(request.get("job_id").asText(), Duration.ofMinutes(4));
        assertThat(created.result()).as(created.toString()).isEqualTo("done");
        cluster = created.info();
        JsonNode comp = manager.post("{\"job_type\":\"get_computer\",\"cluster_name\":\"" + cluster + "\"}")
                .json().get("computer0");
        compIp = comp.get("ip").asText();
        compPort = comp.get("port").asText();
    }

    @AfterAll
    static void deleteCluster() {
        if (cluster != null) {
            Reply deleted = manager.submitAndAwait("{\"job_type\":\"delete_cluster\",\"job_id\":\"d-" + UUID.randomUUID()
                    + "\",\"cluster_name\":\"" + cluster + "\",\"user_name\":\"tester\"}");
            assertThat(deleted.result()).as(deleted.toString()).isEqualTo("done");
        }
    }

    @Test
    void setVariableThenGetVariableShowTheNewValue() {
        CliRun set = kunlunctl("instance", "set-variable", "--ip", compIp, "--port", compPort, "--variable",
                "work_mem", "--value-str", "12MB");
        assertThat(set.exitCode()).as(set.err()).isZero();

        CliRun get = kunlunctl("instance", "get-variable", "--ip", compIp, "--port", compPort, "--variable",
                "work_mem", "--output", "json");

        assertThat(get.exitCode()).as(get.err()).isZero();
        assertThat(Reply.json(get.out()).get("value").asText()).isEqualTo("12MB");
    }

    @Test
    void aChangeThatDoesNotTakeEffectExitsWithItsReason() {
        CliRun set = kunlunctl("instance", "set-variable", "--ip", compIp, "--port", compPort, "--variable",
                "shared_buffers", "--value-int", "4096");

        assertThat(set.exitCode()).isEqualTo(1);
        assertThat(set.err()).isEqualTo("kunlunctl: " + compIp + ":" + compPort + ": shared_buffers takes effect after a"
                + " restart of the instance; it is set in postgresql.auto.conf" + System.lineSeparator());
    }

    @Test
    void stopThenStartAnInstance() {
        CliRun stop = kunlunctl("instance", "stop", "--ip", compIp, "--port", compPort);
        assertThat(stop.exitCode()).as(stop.err()).isZero();
        assertThat(stop.out()).contains("stop instance succeed");

        CliRun start = kunlunctl("instance", "start", "--ip", compIp, "--port", compPort);

        assertThat(start.exitCode()).as(start.err()).isZero();
        assertThat(start.out()).contains("start instance succeed");
    }

    private static CliRun kunlunctl(String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "--server";
        all[1] = manager.uri().toString();
        System.arraycopy(args, 0, all, 2, args.length);
        return CliRun.of(all);
    }
}
