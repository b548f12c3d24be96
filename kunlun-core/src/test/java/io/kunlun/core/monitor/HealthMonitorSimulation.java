package io.kunlun.core.monitor;

import io.kunlun.core.config.ManagerConfig;
import io.kunlun.core.meta.ClusterTable;
import io.kunlun.core.meta.MetadataStore;
import io.kunlun.model.ClusterSpec;
import io.kunlun.model.HaMode;
import io.kunlun.model.Instance;
import io.kunlun.model.InstanceKind;
import io.kunlun.model.InstanceStatus;
import io.kunlun.model.MetaNode;
import io.kunlun.model.Role;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The body of {@code bench/health-monitor.sh} (issue 12); a program, not a test. Writes a
 * simulated fleet into a fresh embedded H2 metadata store through {@link ClusterTable}: 10 000
 * machines (127.70.x.y, never contacted), 1 000 rbr clusters of 30 shards x 3 nodes and 10
 * comps, so 100 000 instances, 10 on each machine, all active. Then runs the real
 * {@link HealthMonitor} over it ({@link FakeProbedMonitor}) with {@link FakeProbes} that answer a
 * healthy fleet after sleeping the given probe latency each (a listing of a machine's processes,
 * a client's answer, a replica status, a read_only), and times its first round: from its start
 * until every instance has answered once. A round that has not ended within the time limit is
 * extrapolated from the instances checked so far. No command runs anywhere.
 *
 * <p>Usage: {@code HealthMonitorSimulation [probe-ms,...] [concurrency] [limit-seconds]}, defaults
 * {@code 2,20}, the configured default (also when empty), 60.
 */
public final class HealthMonitorSimulation {
    private static final int MACHINES = 10_000;
    private static final int CLUSTERS = 1_000;
    private static final int SHARDS = 30;
    private static final int NODES = 3;
    private static final int COMPS = 10;
    private static final int INSTANCES = CLUSTERS * (SHARDS * NODES + COMPS);
    private static final Duration INTERVAL = Duration.ofSeconds(1);
    private static final Duration POLL = Duration.ofMillis(100);

    private HealthMonitorSimulation() {
    }

    public static void main(String[] args) throws Exception {
        List<Integer> latencies = Arrays.stream((args.length > 0 ? args[0] : "2,20").split(","))
                .map(Integer::parseInt).toList();
        int concurrency = args.length > 1 && !args[1].isEmpty() ? Integer.parseInt(args[1])
                : ManagerConfig.DEFAULT_HEALTH_CONCURRENCY;
        Duration limit = Duration.ofSeconds(args.length > 2 ? Integer.parseInt(args[2]) : 60);
        Path home = Files.createTempDirectory("kunlun-bench-health");
        ManagerConfig config = ManagerConfig.defaults(home);
        try (MetadataStore store = MetadataStore.open(config.metadata(), home, new MetaNode("127.0.0.1", 57000))) {
            long writing = System.nanoTime();
            writeFleet(store);
            System.out.printf("fleet: %d machines, %d clusters, %d instances written in %.1f s%n", MACHINES, CLUSTERS,
                    INSTANCES, seconds(System.nanoTime() - writing));
            // The first read after the bulk write took up to a minute more than later ones (H2 settling):
            // not part of any round of a manager that did not just write the fleet, so it is done first.
            long settling = System.nanoTime();
            store.clusters().instancesByCluster();
            store.clusters().listClusters();
            System.out.printf("first read of the fleet after writing it: %.1f s%n", seconds(System.nanoTime() - settling));
            for (int latency : latencies) {
                Round round = firstRound(store, home, Duration.ofMillis(latency), concurrency, limit);
                System.out.printf("probe %d ms, %d machines at once: metadata read %.2f s, %d commands,"
                                + " round %.1f s%s = %.0fx the %d s interval%n", latency, concurrency,
                        round.metadataSeconds(), round.commands(), round.seconds(),
                        round.complete() ? "" : " (extrapolated from " + round.checked() + " instances in "
                                + limit.toSeconds() + " s)", round.seconds() / INTERVAL.toSeconds(),
                        INTERVAL.toSeconds());
            }
        }
    }

    /** The clusters and their instances, instance {@code i} on machine {@code i mod 10 000}, written 4 at once. */
    private static void writeFleet(MetadataStore store) throws Exception {
        ClusterSpec spec = new ClusterSpec(HaMode.RBR, NODES, 10, 1000, 2, 1);
        ExecutorService writers = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> written = new ArrayList<>();
            for (int c = 0; c < CLUSTERS; c++) {
                int cluster = c;
                written.add(writers.submit(() -> writeCluster(store.clusters(), cluster, spec)));
            }
            for (Future<?> each : written) {
                each.get();
            }
        } finally {
            writers.shutdown();
        }
    }

    private static void writeCluster(ClusterTable clusters, int cluster, ClusterSpec spec) {
        String name = "cluster" + cluster;
        clusters.insertCluster(name, spec, "bench", List.of());
        int first = cluster * (SHARDS * NODES + COMPS);
        for (int shard = 0; shard < SHARDS; shard++) {
            clusters.insertShard(name, "shard" + shard);
            for (int node = 0; node < NODES; node++) {
                clusters.insertInstance(instance(first + shard * NODES + node, name, InstanceKind.STORAGE,
                        Optional.of("shard" + shard), Optional.of(node == 0 ? Role.PRIMARY : Role.REPLICA)));
            }
        }
        for (int comp = 0; comp < COMPS; comp++) {
            clusters.insertInstance(instance(first + SHARDS * NODES + comp, name, InstanceKind.COMP,
                    Optional.of("comp" + comp), Optional.empty()));
        }
    }

    private static Instance instance(int index, String cluster, InstanceKind kind,
                                     Optional<String> group, Optional<Role> role) {
        return FakeProbedMonitor.instance(machineAddress(index % MACHINES), 10_000 + index / MACHINES * 10, cluster,
                kind, group, role, InstanceStatus.ACTIVE);
    }

    private static String machineAddress(int machine) {
        return "127.70." + machine / 250 + "." + (machine % 250 + 1);
    }

    private record Round(double metadataSeconds, double seconds, boolean complete, int checked, long commands) {
    }

    /** Runs a monitor until every instance answered once (or the limit), and times that first round. */
    private static Round firstRound(MetadataStore store, Path home, Duration latency, int concurrency,
                                    Duration limit) throws InterruptedException {
        FakeProbes probes = new FakeProbes(latency);
        long started = System.nanoTime();
        try (FakeProbedMonitor monitor = FakeProbedMonitor.started(store, home, probes, INTERVAL, concurrency)) {
            long deadline = started + limit.toNanos();
            while (probes.answered.size() < INSTANCES && System.nanoTime() < deadline) {
                Thread.sleep(POLL.toMillis());
            }
            long elapsed = System.nanoTime() - started;
            int checked = probes.answered.size();
            long commands = probes.commands.get();
            double metadata = probes.firstListing.get() == Long.MAX_VALUE ? Double.NaN
                    : seconds(probes.firstListing.get() - started);
            boolean complete = checked == INSTANCES;
            double round = complete ? seconds(probes.lastFirstAnswer.get() - started)
                    : checked == 0 ? Double.POSITIVE_INFINITY
                    : metadata + (seconds(elapsed) - metadata) * INSTANCES / checked;
            return new Round(metadata, round, complete, checked,
                    complete || checked == 0 ? commands : commands * INSTANCES / checked);
        }
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }
}
