package io.kunlun.testkit.bench;

import io.kunlun.core.config.ManagerConfig.MetadataConfig;
import io.kunlun.testkit.LoopbackMachine;
import io.kunlun.testkit.LoopbackMachines;
import io.kunlun.testkit.Reply;
import io.kunlun.testkit.TestManager;
import io.kunlun.testkit.mariadb.MariaDbTestServer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Getter throughput over HTTP on each metadata store, in one run: the embedded H2 store and a
 * MariaDB server on loopback. Each store gets a manager with the same machines and jobs, then
 * {@code clients} clients send getters (list_machines, get_meta_mode, get_status, list_jobs) back
 * to back for {@code seconds}. Prints requests per second, latency percentiles and failures per
 * store, and the ratios MariaDB/H2. The body of {@code bench/api.sh}; not a test.
 *
 * <p>Usage: {@code GetterThroughput [clients] [seconds] [machines]} (defaults 64, 10, 8).
 */
public final class GetterThroughput {
    private static final String MARIADB_ADDRESS = "127.0.0.210";
    private static final String FIRST_MACHINE = "127.0.0.211";
    private static final String LAST_MACHINE = "127.0.0.226";
    private static final Duration WARM_UP = Duration.ofSeconds(2);

    /** What the clients measured on one store. */
    record Result(String store, int answered, int failed, double seconds, long[] sortedNanos) {
        double perSecond() {
            return answered / seconds;
        }

        double percentileMillis(double percentile) {
            if (sortedNanos.length == 0) {
                return Double.NaN;
            }
            int at = (int) Math.min(sortedNanos.length - 1, Math.ceil(percentile / 100 * sortedNanos.length) - 1);
            return sortedNanos[Math.max(0, at)] / 1e6;
        }

        Result named(String name) {
            return new Result(name, answered, failed, seconds, sortedNanos);
        }

        String line() {
            return String.format("%-8s %8.0f requests/s  p50 %7.2f ms  p99 %7.2f ms  max %8.2f ms  failed %d of %d",
                    store + ":", perSecond(), percentileMillis(50), percentileMillis(99), percentileMillis(100),
                    failed, answered);
        }
    }

    private GetterThroughput() {
    }

    public static void main(String[] args) throws Exception {
        int clients = args.length > 0 ? Integer.parseInt(args[0]) : 64;
        Duration length = Duration.ofSeconds(args.length > 1 ? Integer.parseInt(args[1]) : 10);
        int machineCount = args.length > 2 ? Integer.parseInt(args[2]) : 8;
        Result h2;
        Result mariadb;
        try (LoopbackMachines machines = LoopbackMachines.range(FIRST_MACHINE, LAST_MACHINE)) {
            h2 = measure("h2", MetadataConfig.embedded(), machines, machineCount, clients, length);
            try (MariaDbTestServer server = MariaDbTestServer.start(MARIADB_ADDRESS)) {
                mariadb = measure("mariadb", new MetadataConfig(server.jdbcUrl(), server.user(), server.password()),
                        machines, machineCount, clients, length);
            }
        }
        System.out.printf("%d clients, %d s, %d machines%n", clients, length.toSeconds(), machineCount);
        System.out.println(h2.line());
        System.out.println(mariadb.line());
        System.out.printf("ratio mariadb/h2: throughput %.2f, p50 %.2f, p99 %.2f%n",
                mariadb.perSecond() / h2.perSecond(),
                mariadb.percentileMillis(50) / h2.percentileMillis(50),
                mariadb.percentileMillis(99) / h2.percentileMillis(99));
        System.exit(0);
    }

    private static Result measure(String store, MetadataConfig metadata, LoopbackMachines machines, int machineCount,
                                  int clients, Duration length) throws Exception {
        List<LoopbackMachine> taken = new ArrayList<>();
        try (TestManager manager = TestManager.builder().configure(config -> config.withMetadata(metadata))
                .build().start()) {
            String lastJob = null;
            for (int i = 0; i < machineCount; i++) {
                LoopbackMachine machine = machines.take();
                taken.add(machine);
                lastJob = store + "-machine-" + i;
                Reply done = manager.submitAndAwait(machine.createMachineJson(lastJob));
                if (!done.result().equals("done")) {
                    throw new IllegalStateException("create_machine failed on " + store + ": " + done);
                }
            }
            List<String> getters = List.of("{\"job_type\":\"list_machines\"}", "{\"job_type\":\"get_meta_mode\"}",
                    "{\"job_type\":\"get_status\",\"job_id\":\"" + lastJob + "\"}",
                    "{\"job_type\":\"list_jobs\"}");
            run(manager, getters, clients, WARM_UP);
            return run(manager, getters, clients, length).named(store);
        } finally {
            taken.forEach(machines::release);
        }
    }

    private static Result run(TestManager manager, List<String> getters, int clients, Duration length)
            throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        long start = System.nanoTime();
        long end = start + length.toNanos();
        List<Future<long[]>> running = new ArrayList<>();
        int[] failures = new int[clients];
        for (int c = 0; c < clients; c++) {
            int client = c;
            running.add(pool.submit(() -> {
                long[] nanos = new long[1024];
                int count = 0;
                for (int n = client; System.nanoTime() < end; n++) {
                    long sent = System.nanoTime();
                    Reply reply = manager.post(getters.get(n % getters.size()));
                    if (count == nanos.length) {
                        nanos = Arrays.copyOf(nanos, count * 2);
                    }
                    nanos[count++] = System.nanoTime() - sent;
                    if (reply.status() != 200 || reply.result().equals("failed")) {
                        failures[client]++;
                    }
                }
                return Arrays.copyOf(nanos, count);
            }));
        }
        List<long[]> all = new ArrayList<>();
        for (Future<long[]> client : running) {
            all.add(client.get(length.toSeconds() + 120, TimeUnit.SECONDS));
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        pool.shutdownNow();
        long[] sorted = all.stream().flatMapToLong(Arrays::stream).sorted().toArray();
        return new Result("", sorted.length, Arrays.stream(failures).sum(), seconds, sorted);
    }
}
