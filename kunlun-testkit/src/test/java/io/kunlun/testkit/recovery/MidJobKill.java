package io.kunlun.testkit.recovery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kunlun.testkit.LoopbackMachine;
import io.kunlun.testkit.ManagerProcess;
import io.kunlun.testkit.Reply;
import io.kunlun.testkit.cluster.ClusterFixture;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the recovery tests do to a manager in its own JVM: run jobs through it, wait for a job's
 * step, SIGKILL it there and start it again on the same home; and to the instances, freeze one
 * (SIGSTOP) so that a job waits at a known step for as long as the test needs.
 */
final class MidJobKill {
    private static final Duration STEP_TIMEOUT = Duration.ofMinutes(2);

    private MidJobKill() {
    }

    static void register(ManagerProcess manager, List<LoopbackMachine> machines) {
        for (LoopbackMachine machine : machines) {
            ObjectNode request = machine.request("create_machine", "m-" + UUID.randomUUID())
                    .put("total_mem", "65536").put("total_cpu_cores", "32");
            assertThat(manager.client().submitAndAwait(request.toString()).result()).isEqualTo("done");
        }
    }

    /** Submits a job and waits for it to end. */
    static Reply run(ManagerProcess manager, ObjectNode request) {
        manager.client().post(request.toString());
        return manager.client().awaitJob(request.get("job_id").asText(), ClusterFixture.CLUSTER_JOB_TIMEOUT);
    }

    /** The machine an instance of a getter's reply is on. */
    static LoopbackMachine machine(List<LoopbackMachine> machines, JsonNode instance) {
        return machines.stream().filter(machine -> machine.hostaddr().equals(instance.get("ip").asText()))
                .findFirst().orElseThrow();
    }

    /** {@code ip:port} of an instance of a getter's reply. */
    static String address(JsonNode instance) {
        return instance.get("ip").asText() + ":" + instance.get("port").asText();
    }

    /** A job on a cluster with a fresh job_id. */
    static ObjectNode job(String jobType, String cluster) {
        return JsonNodeFactory.instance.objectNode().put("job_id", jobType + "-" + UUID.randomUUID())
                .put("job_type", jobType).put("cluster_name", cluster).put("user_name", "tester");
    }

    /** A getter's entries ({@code storage0}, ...) for the cluster, in order. */
    static List<JsonNode> query(ManagerProcess manager, String jobType, String cluster) {
        Reply reply = manager.client().post(JsonNodeFactory.instance.objectNode().put("job_type", jobType)
                .put("cluster_name", cluster).toString());
        assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
        return ClusterFixture.entries(reply.json());
    }

    /** Polls the job until its step starts with {@code step}; answers that step. */
    static String awaitStep(ManagerProcess manager, String jobId, String step) throws InterruptedException {
        long deadline = System.nanoTime() + STEP_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            Reply status = manager.client().post("{\"job_type\":\"get_status\",\"job_id\":\"" + jobId + "\"}");
            assertThat(status.result()).as(status.toString()).isIn("accept", "ongoing");
            String current = status.text("step").orElse("");
            if (current.startsWith(step)) {
                return current;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("job " + jobId + " never reached step " + step);
    }

    /**
     * SIGKILLs the manager, thaws the frozen instance (the commands the manager left waiting on
     * it then end on their own, as they would have after it died), waits for those commands to
     * exit, and starts the manager again on its home.
     */
    static void killAndRestart(ManagerProcess manager, Frozen frozen) throws InterruptedException {
        List<ProcessHandle> commandsInFlight = ProcessHandle.of(manager.pid()).orElseThrow().descendants()
                .filter(process -> !process.info().command().orElse("").matches(".*/(mariadbd|postgres)"))
                .toList();
        manager.kill();
        frozen.close();
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        while (commandsInFlight.stream().anyMatch(ProcessHandle::isAlive) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        manager.restart();
    }

    /** An instance's server process, stopped with SIGSTOP until closed. */
    static final class Frozen implements AutoCloseable {
        private final ProcessHandle server;
        private boolean thawed;

        private Frozen(ProcessHandle server) {
            this.server = server;
            signal("STOP");
        }

        /** The postmaster of the comp at that port on the machine. */
        static Frozen comp(LoopbackMachine machine, JsonNode comp) {
            return new Frozen(server(machine, "postgres", "/comp_datadir/" + comp.get("port").asText() + "/data"));
        }

        /** The mariadbd of the storage node at that port on the machine. */
        static Frozen storage(LoopbackMachine machine, JsonNode node) {
            return new Frozen(server(machine, "mariadbd", "/data_dir_path/" + node.get("port").asText() + "/my.cnf"));
        }

        private static ProcessHandle server(LoopbackMachine machine, String program, String marker) {
            String root = machine.root() + "/";
            List<ProcessHandle> found = ProcessHandle.allProcesses()
                    .filter(process -> process.info().command().orElse("").endsWith("/" + program))
                    .filter(process -> {
                        String commandLine = process.info().commandLine().orElse("");
                        return commandLine.contains(root) && commandLine.contains(marker);
                    })
                    .toList();
            assertThat(found).as(program + " under " + root + " with " + marker).hasSize(1);
            return found.get(0);
        }

        private void signal(String signal) {
            try {
                Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(server.pid()))
                        .redirectErrorStream(true).start();
                String output = new String(kill.getInputStream().readAllBytes());
                if (kill.waitFor() != 0) {
                    throw new IllegalStateException("kill -" + signal + " " + server.pid() + ": " + output);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while signalling " + server.pid(), e);
            }
        }

        /** SIGCONT, once. */
        @Override
        public void close() {
            if (!thawed && server.isAlive()) {
                signal("CONT");
            }
            thawed = true;
        }
    }
}
