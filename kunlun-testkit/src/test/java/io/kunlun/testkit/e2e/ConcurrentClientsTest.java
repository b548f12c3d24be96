package io.kunlun.testkit.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.kunlun.testkit.ApiClient;
import io.kunlun.testkit.LoopbackMachine;
import io.kunlun.testkit.LoopbackMachines;
import io.kunlun.testkit.Reply;
import io.kunlun.testkit.TestManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * 200 clients at once, each with its own HTTP client: machine jobs on distinct machines, queries,
 * polls, refusals and jobs the configuration switches off. Every reply is the one expected (no 5xx),
 * and afterwards the store holds exactly what the clients did.
 */
class ConcurrentClientsTest {
    private static final int CLIENTS = 200;
    private static final int MACHINE_CYCLES = 5;
    private static final int MACHINES_KEPT = 5;

    @RegisterExtension
    static TestManager manager = TestManager.create();
    @RegisterExtension
    static LoopbackMachines machines = LoopbackMachines.range("127.0.0.30", "127.0.0.39");

    private final Set<String> submittedJobs = java.util.concurrent.ConcurrentHashMap.newKeySet();

    @Test
    void twoHundredClientsAtOnceAllGetTheRightAnswerAndTheStoreStaysConsistent() throws Exception {
        List<Callable<Void>> clients = new ArrayList<>();
        List<String> kept = new ArrayList<>();
        for (int i = 0; i < MACHINE_CYCLES; i++) {
            LoopbackMachine machine = machines.take();
            clients.add(() -> createUpdateDelete(machine));
        }
        for (int i = 0; i < MACHINES_KEPT; i++) {
            LoopbackMachine machine = machines.take();
            kept.add(machine.hostaddr());
            clients.add(() -> create(machine));
        }
        for (int i = clients.size(); i < CLIENTS; i++) {
            int client = i;
            clients.add(() -> query(client));
        }

        runAllAtOnce(clients);

        Reply machinesNow = manager.post("{\"job_type\":\"list_machines\"}");
        List<String> registered = new ArrayList<>();
        machinesNow.json().forEach(entry -> {
            registered.add(entry.get("hostaddr").asText());
            assertThat(entry.get("paths")).as(entry.toString()).hasSize(4);
        });
        assertThat(registered).containsExactlyInAnyOrderElementsOf(kept);
        Map<String, Integer> rows = new HashMap<>();
        for (JsonNode job : manager.post("{\"job_type\":\"list_jobs\",\"limit\":\"1000\"}").json().get("jobs")) {
            rows.merge(job.get("job_id").asText(), 1, Integer::sum);
            assertThat(job.get("result").asText()).as(job.toString()).isIn("done", "failed");
        }
        assertThat(rows.keySet()).containsExactlyInAnyOrderElementsOf(submittedJobs);
        assertThat(rows.values()).allMatch(count -> count == 1);
    }

    private void runAllAtOnce(List<Callable<Void>> clients) throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(clients.size());
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<Void>> running = new ArrayList<>();
            for (Callable<Void> client : clients) {
                running.add(threads.submit(() -> {
                    start.await();
                    return client.call();
                }));
            }
            start.countDown();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            for (Future<Void> client : running) {
                client.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
        } finally {
            threads.shutdownNow();
        }
    }

    private Void createUpdateDelete(LoopbackMachine machine) {
        ApiClient api = ApiClient.to(manager.uri());
        String prefix = "cycle-" + machine.hostaddr();
        assertThat(submit(api, machine.createMachineJson(prefix + "-create"))).isEqualTo("create machine succeed");
        assertThat(submit(api, machine.updateMachineJson(prefix + "-update"))).isEqualTo("update machine succeed");
        assertThat(submit(api, machine.deleteMachineJson(prefix + "-delete"))).isEqualTo("delete machine succeed");
        return null;
    }

    private Void create(LoopbackMachine machine) {
        ApiClient api = ApiClient.to(manager.uri());
        assertThat(submit(api, machine.createMachineJson("kept-" + machine.hostaddr())))
                .isEqualTo("create machine succeed");
        return null;
    }

    private Void query(int client) {
        ApiClient api = ApiClient.to(manager.uri());
        switch (client % 6) {
            case 0 -> assertThat(api.post("{\"job_type\":\"get_meta\"}")).isEqualTo(Reply.of(200,
                    "{\"meta0\":{\"ip\":\"127.0.0.1\",\"port\":\"" + manager.port() + "\",\"status\":\"online\"}}"));
            case 1 -> assertThat(api.post("{\"job_type\":\"get_meta_mode\"}"))
                    .isEqualTo(Reply.of(200, "{\"mode\":\"no_rep\"}"));
            case 2 -> assertThat(api.post("{\"job_type\":\"get_status\",\"job_id\":\"nope-" + client + "\"}"))
                    .isEqualTo(Reply.of(200, "{\"result\":\"failed\",\"info\":\"no job with id nope-" + client + "\"}"));
            case 3 -> {
                Reply jobs = api.post("{\"job_type\":\"list_jobs\"}");
                assertThat(jobs.status()).as(jobs.toString()).isEqualTo(200);
                assertThat(jobs.json().get("jobs").isArray()).as(jobs.toString()).isTrue();
            }
            case 4 -> assertThat(api.post("{\"job_type\":")).isEqualTo(Reply.of(400, "{\"result\":\"failed\",\"info\":"
                    + "\"request body is not valid JSON: Unexpected end-of-input within/between Object entries"
                    + " (line 1, column 13)\"}"));
            default -> assertThat(submit(api, "{\"job_type\":\"restore_cluster\",\"job_id\":\"restore-" + client
                    + "\",\"timestamp\":\"2021-12-20 19:22:20\",\"backup_cluster_name\":\"cluster_1\",\"restore_cluster_name\":\"cluster_2\"}"))
                    .isEqualTo("restore_cluster is switched off: it replaces an existing cluster's data, so the"
                            + " manager's configuration must set backup.allow_restore_in_place to true to allow it;"
                            + " restore_new_cluster restores into a new cluster without it");
        }
        return null;
    }

    /** Submits a job, checks that it was accepted, waits for it, and answers its info. */
    private String submit(ApiClient api, String json) {
        String jobId = Reply.json(json).get("job_id").asText();
        submittedJobs.add(jobId);
        Reply accepted = api.post(json);
        assertThat(accepted.result()).as(accepted.toString()).isEqualTo("accept");
        return api.awaitJob(jobId, ApiClient.DEFAULT_JOB_TIMEOUT).info();
    }
}
