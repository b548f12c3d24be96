package io.kunlun.testkit.exporters;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kunlun.testkit.LoopbackMachine;
import io.kunlun.testkit.Reply;
import io.kunlun.testkit.TestManager;

import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** Requests the exporter tests share: a no_rep cluster on one machine, exporter jobs, getters. */
final class ExporterFixture {
    private static final Duration JOB_TIMEOUT = Duration.ofMinutes(4);
    /** A target file of a job without targets: one group with none. */
    static final String NO_TARGETS = "[ {\n  \"targets\" : [ ],\n  \"labels\" : { }\n} ]\n";

    private ExporterFixture() {
    }

    /** Registers the machine and creates a no_rep cluster of one shard and one comp on it; its name. */
    static String createCluster(TestManager manager, LoopbackMachine machine) {
        Reply registered = run(manager, machine.request("create_machine", "m-" + UUID.randomUUID())
                .put("total_mem", "65536").put("total_cpu_cores", "32"));
        assertThat(registered.result()).as(registered.toString()).isEqualTo("done");
        ObjectNode create = job("create_cluster").put("ha_mode", "no_rep").put("shards", "1").put("nodes", "1")
                .put("comps", "1").put("max_storage_size", "20").put("max_connections", "100").put("cpu_cores", "1")
                .put("innodb_size", "1");
        create.putArray("machinelist").addObject().put("hostaddr", machine.hostaddr());
        Reply created = run(manager, create);
        assertThat(created.result()).as(created.toString()).isEqualTo("done");
        return created.info();
    }

    /** Deletes the cluster unless it is gone already (cleanup after a test that failed). */
    static void deleteIfPresent(TestManager manager, String cluster) {
        if (cluster != null && query(manager, "get_cluster", cluster).toString().contains(cluster)) {
            run(manager, job("delete_cluster").put("cluster_name", cluster));
        }
    }

    static ObjectNode job(String type) {
        return JsonNodeFactory.instance.objectNode().put("job_id", type + "-" + UUID.randomUUID())
                .put("job_type", type).put("user_name", "tester");
    }

    static ObjectNode exporter(String type, String instance) {
        String[] hostAndPort = instance.split(":");
        return job(type).put("ip", hostAndPort[0]).put("port", hostAndPort[1]);
    }

    static Reply run(TestManager manager, ObjectNode request) {
        manager.post(request.toString());
        return manager.client().awaitJob(request.get("job_id").asText(), JOB_TIMEOUT);
    }

    static JsonNode query(TestManager manager, String type, String cluster) {
        ObjectNode request = JsonNodeFactory.instance.objectNode().put("job_type", type);
        if (!type.equals("get_cluster")) {
            request.put("cluster_name", cluster);
        }
        Reply reply = manager.post(request.toString());
        assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
        return reply.json();
    }

    /** {@code ip:port} of the first instance a getter lists. */
    static String firstInstance(TestManager manager, String getter, String cluster) {
        JsonNode reply = query(manager, getter, cluster);
        Iterator<JsonNode> entries = reply.elements();
        assertThat(entries.hasNext()).as(reply.toString()).isTrue();
        JsonNode instance = entries.next();
        return instance.get("ip").asText() + ":" + instance.get("port").asText();
    }

    /** Every process that listens, by its arguments, on the address. */
    static List<ProcessHandle> exporterProcesses(String address) {
        return ProcessHandle.allProcesses()
                .filter(process -> process.info().arguments()
                        .map(args -> List.of(args).contains("--web.listen-address=" + address)).orElse(false))
                .toList();
    }

    /** Exporters run detached from the test: any left on the test's machine goes. */
    static void killExportersOn(String hostaddr) {
        List<ProcessHandle> left = ProcessHandle.allProcesses()
                .filter(process -> process.info().arguments()
                        .map(args -> List.of(args).stream()
                                .anyMatch(arg -> arg.startsWith("--web.listen-address=" + hostaddr + ":")))
                        .orElse(false))
                .toList();
        left.forEach(ProcessHandle::destroyForcibly);
        for (ProcessHandle process : left) {
            process.onExit().join();
        }
    }
}
