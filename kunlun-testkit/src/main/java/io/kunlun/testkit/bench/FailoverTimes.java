package io.kunlun.testkit.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.kunlun.testkit.InstanceTraces;
import io.kunlun.testkit.LoopbackMachine;
import io.kunlun.testkit.LoopbackMachines;
import io.kunlun.testkit.Reply;
import io.kunlun.testkit.TestManager;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * bench/failover.sh (issue 11): an rbr cluster of one shard of three nodes and a comp on three
 * loopback machines, a writer inserting through the comp and recording every acknowledged id;
 * each round kills the primary's mariadbd with SIGKILL and measures until the manager's event
 * says a replica was promoted, split into detection and the promotion the event says took, and
 * until the writer's first write acknowledged after the kill (writes accepted again), then waits
 * for the old primary to rejoin.
 * At the end every acknowledged id must be in the table. Prints each round, the median and the
 * maximum. The manager probes every second (health_interval_seconds 1).
 */
public final class FailoverTimes {
    private static final String FIRST_MACHINE = "127.0.0.211";
    private static final String LAST_MACHINE = "127.0.0.213";
    private static final long ROUND_LIMIT_NANOS = 120_000_000_000L;

    private FailoverTimes() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        List<double[]> results = new ArrayList<>();
        long lost;
        try (LoopbackMachines machines = LoopbackMachines.range(FIRST_MACHINE, LAST_MACHINE);
             TestManager manager = TestManager.builder().configure(config -> config.withHealthIntervalSeconds(1)
                     .withExposeCredentials(true)).build().start()) {
            List<LoopbackMachine> taken = List.of(machines.take(), machines.take(), machines.take());
            for (LoopbackMachine machine : taken) {
                require(manager.submitAndAwait(machine.request("create_machine", "m-" + machine.hostaddr())
                        .put("total_mem", "65536").put("total_cpu_cores", "32").toString()), "create_machine");
            }
            String cluster = require(manager.submitAndAwait("{\"job_type\":\"create_cluster\",\"job_id\":\"c1\","
                    + "\"ha_mode\":\"rbr\",\"shards\":\"1\",\"nodes\":\"3\",\"comps\":\"1\",\"max_connections\":\"100\","
                    + "\"machinelist\":[" + String.join(",", taken.stream()
                    .map(machine -> "{\"hostaddr\":\"" + machine.hostaddr() + "\"}").toList()) + "]}"),
                    "create_cluster").info();
            createShardTable(primary(manager, cluster));
            JsonNode comp = manager.post("{\"job_type\":\"get_computer\",\"cluster_name\":\"" + cluster + "\"}")
                    .json().get("computer0");
            try (Connection setup = connect(comp); Statement statement = setup.createStatement()) {
                statement.execute("CREATE FOREIGN TABLE t (id int) SERVER shard1 OPTIONS (dbname 'app', table_name 't')");
            }
            Writer writer = new Writer(comp);
            Thread.sleep(2000);
            for (int round = 1; round <= rounds; round++) {
                JsonNode primary = primary(manager, cluster);
                int eventsBefore = events(manager, cluster).size();
                LoopbackMachine machine = taken.stream()
                        .filter(candidate -> candidate.hostaddr().equals(primary.get("ip").asText())).findFirst()
                        .orElseThrow();
                long killed = System.nanoTime();
                InstanceTraces.storageServer(machine, primary.get("port").asInt()).destroyForcibly();
                double promoted = Double.NaN;
                double promotion = Double.NaN;
                double writable = Double.NaN;
                while (System.nanoTime() - killed < ROUND_LIMIT_NANOS && (Double.isNaN(promoted) || Double.isNaN(writable))) {
                    Optional<JsonNode> failedOver = newEvent(manager, cluster, eventsBefore, "failed_over");
                    if (Double.isNaN(promoted) && failedOver.isPresent()) {
                        promoted = (System.nanoTime() - killed) / 1e9;
                        promotion = promotionSeconds(failedOver.get());
                    }
                    long firstAfter = writer.firstAcknowledgedAfterAFailureSince(killed);
                    if (Double.isNaN(writable) && firstAfter > 0) {
                        writable = (firstAfter - killed) / 1e9;
                    }
                    Thread.sleep(50);
                }
                results.add(new double[] {promoted - promotion, promotion, promoted, writable});
                System.out.printf("round %d: killed %s; detected after %.2f s, promoted in %.2f s: failed over after"
                                + " %.2f s; writes accepted again after %.2f s%n", round,
                        primary.get("ip").asText() + ":" + primary.get("port").asText(), promoted - promotion,
                        promotion, promoted, writable);
                awaitRejoined(manager, cluster, eventsBefore);
                System.out.printf("round %d: the old primary rejoined as a replica after %.2f s%n", round,
                        (System.nanoTime() - killed) / 1e9);
            }
            writer.stop();
            lost = writer.lost(comp);
            System.out.printf("acknowledged writes: %d, lost: %d%n", writer.acknowledged.size(), lost);
        }
        String[] measures = {"detected (kill to the failover's start)", "promoted (the failover's own time)",
            "failed over (kill to the event)", "writes accepted again"};
        for (int i = 0; i < measures.length; i++) {
            int measure = i;
            summarize(measures[i], results.stream().mapToDouble(result -> result[measure]).sorted().toArray());
        }
        System.exit(lost == 0 ? 0 : 1);
    }

    private static void summarize(String what, double[] sorted) {
        System.out.printf("%s: median %.2f s, max %.2f s over %d rounds%n", what, sorted[sorted.length / 2],
                sorted[sorted.length - 1], sorted.length);
    }

    private static Reply require(Reply reply, String what) {
        if (!reply.result().equals("done")) {
            throw new IllegalStateException(what + " failed: " + reply);
        }
        return reply;
    }

    private static JsonNode primary(TestManager manager, String cluster) {
        for (JsonNode node : manager.post("{\"job_type\":\"get_storage\",\"cluster_name\":\"" + cluster + "\"}").json()) {
            if (node.get("role").asText().equals("primary")) {
                return node;
            }
        }
        throw new IllegalStateException("cluster " + cluster + " has no primary");
    }

    private static List<JsonNode> events(TestManager manager, String cluster) {
        List<JsonNode> events = new ArrayList<>();
        manager.post("{\"job_type\":\"list_events\",\"cluster_name\":\"" + cluster + "\",\"limit\":\"1000\"}").json()
                .get("events").forEach(events::add);
        return events;
    }

    private static boolean hasNewEvent(TestManager manager, String cluster, int before, String kind) {
        return newEvent(manager, cluster, before, kind).isPresent();
    }

    /** The newest event of that kind recorded since there were {@code before} events (newest come first). */
    private static Optional<JsonNode> newEvent(TestManager manager, String cluster, int before, String kind) {
        List<JsonNode> all = events(manager, cluster);
        return all.subList(0, all.size() - before).stream().filter(event -> event.get("kind").asText().equals(kind))
                .findFirst();
    }

    /**
     * The failover's own time, from the replicas' confirmation to the promoted primary and the
     * repointed comps, which its event states ("… promoted at … in 812 ms"); the rest of the
     * time since the kill is detection: the probes that found the primary gone.
     */
    private static double promotionSeconds(JsonNode failedOver) {
        Matcher took = Pattern.compile(" in (\\d+) ms").matcher(failedOver.get("detail").asText());
        if (!took.find()) {
            throw new IllegalStateException("the failover event does not say how long it took: " + failedOver);
        }
        return Long.parseLong(took.group(1)) / 1e3;
    }

    private static void awaitRejoined(TestManager manager, String cluster, int before) throws InterruptedException {
        long start = System.nanoTime();
        while (!hasNewEvent(manager, cluster, before, "rejoined")) {
            if (System.nanoTime() - start > ROUND_LIMIT_NANOS) {
                throw new IllegalStateException("the old primary did not rejoin: " + events(manager, cluster));
            }
            Thread.sleep(200);
        }
    }

    private static void createShardTable(JsonNode primary) throws SQLException {
        try (Connection connection = DriverManager.getConnection("jdbc:mariadb://" + primary.get("ip").asText() + ":"
                + primary.get("port").asText() + "/", primary.get("user").asText(), primary.get("pwd").asText());
             Statement statement = connection.createStatement()) {
            statement.execute("CREATE DATABASE IF NOT EXISTS app");
            statement.execute("CREATE TABLE app.t (id INT PRIMARY KEY)");
        }
    }

    private static Connection connect(JsonNode comp) throws SQLException {
        Connection connection = DriverManager.getConnection("jdbc:postgresql://" + comp.get("ip").asText() + ":"
                + comp.get("port").asText() + "/kunlun", comp.get("user").asText(), comp.get("pwd").asText());
        connection.setNetworkTimeout(Runnable::run, 5000);
        return connection;
    }

    /** Inserts ids one after the other through the comp, reconnecting after a failure. */
    private static final class Writer {
        private final Set<Integer> acknowledged = new ConcurrentSkipListSet<>();
        private final ConcurrentSkipListSet<Long> acknowledgedAt = new ConcurrentSkipListSet<>();
        private final ConcurrentSkipListSet<Long> failedAt = new ConcurrentSkipListSet<>();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread;

        Writer(JsonNode comp) {
            thread = new Thread(() -> write(comp), "failover-writer");
            thread.start();
        }

        private void write(JsonNode comp) {
            Connection connection = null;
            for (int id = 1; running.get(); id++) {
                try {
                    if (connection == null) {
                        connection = connect(comp);
                    }
                    try (Statement statement = connection.createStatement()) {
                        statement.execute("INSERT INTO t VALUES (" + id + ")");
                    }
                    acknowledged.add(id);
                    acknowledgedAt.add(System.nanoTime());
                } catch (SQLException e) {
                    failedAt.add(System.nanoTime());
                    try {
                        if (connection != null) {
                            connection.close();
                        }
                    } catch (SQLException ignored) {
                        // The connection is given up either way.
                    }
                    connection = null;
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException stop) {
                        return;
                    }
                }
            }
        }

        /**
         * The System.nanoTime() of the first write acknowledged after the first failed one since
         * {@code nanos}, or 0: a write in flight when the primary is killed may still be acknowledged.
         */
        long firstAcknowledgedAfterAFailureSince(long nanos) {
            Long failed = failedAt.higher(nanos);
            Long first = failed == null ? null : acknowledgedAt.higher(failed);
            return first == null ? 0 : first;
        }

        void stop() throws InterruptedException {
            running.set(false);
            thread.join(10_000);
        }

        /** How many acknowledged ids the table lacks. */
        long lost(JsonNode comp) throws SQLException {
            Set<Integer> present = new java.util.HashSet<>();
            try (Connection connection = connect(comp); Statement statement = connection.createStatement();
                 ResultSet rows = statement.executeQuery("SELECT id FROM t")) {
                while (rows.next()) {
                    present.add(rows.getInt(1));
                }
            }
            return acknowledged.stream().filter(id -> !present.contains(id)).count();
        }
    }
}
