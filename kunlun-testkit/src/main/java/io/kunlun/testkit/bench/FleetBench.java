package io.kunlun.testkit.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.kunlun.core.config.ManagerConfig.MetadataConfig;
import io.kunlun.core.meta.ClusterTable.Credential;
import io.kunlun.core.meta.JobTransition;
import io.kunlun.core.meta.MetadataStore;
import io.kunlun.model.ClusterSpec;
import io.kunlun.model.HaMode;
import io.kunlun.model.Instance;
import io.kunlun.model.InstanceKind;
import io.kunlun.model.InstanceStatus;
import io.kunlun.model.Machine;
import io.kunlun.model.MetaNode;
import io.kunlun.model.PathSpace;
import io.kunlun.model.Role;
import io.kunlun.model.job.JobType;
import io.kunlun.testkit.ManagedProcesses;
import io.kunlun.testkit.ManagerProcess;
import io.kunlun.testkit.Reply;
import io.kunlun.testkit.TempDirs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntConsumer;

/**
 * The body of {@code bench/fleet.sh} (issue 12); not a test. Writes a simulated fleet into a fresh
 * manager home's embedded metadata store through the store's own tables (no SQL of its own):
 * 10 000 machines on 127.1.0.1-127.1.39.250, 1 000 rbr clusters (one of 100 shards x 3 nodes)
 * with 100 000 instances recorded active and their ports held, and 1 000 000 ended jobs. Then
 * starts a real manager process on that home, as {@code kunlunctl serve} runs it (with its heap
 * bound, {@value #SERVE_JVM_OPTIONS}; {@code MANAGER_JAVA_OPTS} replaces it), and measures its start-up, single-client
 * latencies of the getters and list pages, and its memory; prints each figure beside its target.
 *
 * <p>The machines do not exist: the manager runs with {@code healing.monitor} off, so it never
 * probes them, and the bench checks that it started no process and changed no status.
 *
 * <p>Usage: {@code FleetBench [scale]}: 1 (the default) is the fleet above; 0.01 a hundredth
 * of it (the 100-shard cluster stays), to try the bench quickly.
 */
public final class FleetBench {
    /** The JVM options ./kunlunctl gives the manager it serves (its heap bound). */
    static final String SERVE_JVM_OPTIONS = "-Xmx384m";
    private static final int MACHINES = 10_000;
    private static final int CLUSTERS = 1_000;
    private static final int INSTANCES = 100_000;
    private static final int ENDED_JOBS = 1_000_000;
    private static final int BIG_SHARDS = 100;
    private static final int BIG_COMPS = 2;
    private static final int NODES = 3;
    /**
     * Rows written per transaction: one commit each, not one per row (a commit alone costs 6 times
     * a job's insert); H2 slows down with larger transactions (5 000 jobs took 10 times 1 000's).
     */
    private static final int BATCH = 1_000;
    /** Switchover jobs: few and the oldest, so that listing them alone reads past every other job. */
    private static final int RARE_JOBS = 10;
    /** One job in this many is automatic (what the manager did on its own). */
    private static final int AUTOMATIC_EVERY = 1_000;
    /** One job in this many failed. */
    private static final int FAILED_EVERY = 20;
    /** The routine jobs of a fleet's days, in turn. */
    private static final List<JobType> ROUTINE = List.of(JobType.BACKUP_CLUSTER, JobType.BACKUP_CLUSTER,
            JobType.BACKUP_CLUSTER, JobType.CONTROL_INSTANCE, JobType.CONTROL_INSTANCE, JobType.UPDATE_PROMETHEUS,
            JobType.MYSQLD_EXPORTER, JobType.POSTGRES_EXPORTER, JobType.ADD_NODES, JobType.ADD_COMPS);
    private static final double START_UP_TARGET_SECONDS = 5;
    private static final double GETTER_TARGET_MILLIS = 50;
    private static final double RSS_TARGET_MIB = 512;
    /** How long the manager may stay busy after it answers (its start-up's background work). */
    private static final long IDLE_PATIENCE_NANOS = 300_000_000_000L;
    private static final long CLOCK_TICKS_PER_SECOND = 100;

    private FleetBench() {
    }

    public static void main(String[] args) throws Exception {
        double scale = args.length > 0 ? Double.parseDouble(args[0]) : 1;
        Path work = TempDirs.create("kunlun-bench-fleet-");
        try {
            run(new Sizes(scale), work);
        } finally {
            TempDirs.delete(work);
        }
        System.exit(0);
    }

    /** The fleet's sizes at a scale; the 100-shard cluster is always whole. */
    private record Sizes(int machines, int clusters, int instances, int jobs) {
        Sizes(double scale) {
            this((int) Math.round(MACHINES * scale), Math.max(2, (int) Math.round(CLUSTERS * scale)),
                    Math.max(BIG_SHARDS * NODES + BIG_COMPS + 10, (int) Math.round(INSTANCES * scale)),
                    (int) Math.round(ENDED_JOBS * scale));
        }
    }

    private static void run(Sizes sizes, Path work) throws Exception {
        Path home = work.resolve("home");
        Fleet fleet = populate(home, sizes);
        Path config = Files.writeString(work.resolve("manager.json"), "{\"jobs\":{\"retention_count\":"
                + (sizes.jobs() + 1) + "},\"healing\":{\"monitor\":false}}");
        List<String> jvmOptions = Arrays.stream(System.getenv().getOrDefault("MANAGER_JAVA_OPTS", SERVE_JVM_OPTIONS).split(" "))
                .filter(option -> !option.isBlank()).toList();
        List<Figure> figures = new ArrayList<>();
        try (ManagedProcesses processes = ManagedProcesses.create()) {
            long launched = System.nanoTime();
            ManagerProcess manager = ManagerProcess.start(home, processes, jvmOptions, "--config", config.toString());
            double listening = (System.nanoTime() - launched) / 1e9;
            require(manager.client().post("{\"job_type\":\"get_meta_mode\"}"), "get_meta_mode");
            double startUp = (System.nanoTime() - launched) / 1e9;
            figures.add(Figure.seconds("start-up: process launched until the API answers", startUp,
                    START_UP_TARGET_SECONDS));
            double busy = awaitIdle(manager.pid(), launched);
            System.out.printf("manager %d (JVM options: %s) said it listens after %.2f s, answered after %.2f s; its"
                            + " start-up's background work (the retention pass over the ended jobs) ended %.1f s after"
                            + " launch%n", manager.pid(),
                    jvmOptions.isEmpty() ? "none, the JVM's defaults" : String.join(" ", jvmOptions), listening, startUp,
                    busy);

            Map<String, String> getters = new LinkedHashMap<>();
            getters.put("get_cluster (" + sizes.clusters() + " clusters)", "{\"job_type\":\"get_cluster\"}");
            getters.put("get_storage (" + BIG_SHARDS + " shards x " + NODES + ")",
                    "{\"job_type\":\"get_storage\",\"cluster_name\":\"" + fleet.bigCluster() + "\"}");
            getters.put("get_computer (" + BIG_SHARDS + "-shard cluster)",
                    "{\"job_type\":\"get_computer\",\"cluster_name\":\"" + fleet.bigCluster() + "\"}");
            getters.put("get_status", "{\"job_type\":\"get_status\",\"job_id\":\"" + fleet.middleJob() + "\"}");
            getters.put("list_jobs, newest 20", "{\"job_type\":\"list_jobs\"}");
            getters.put("list_jobs, 1 000", "{\"job_type\":\"list_jobs\",\"limit\":\"1000\"}");
            getters.put("list_jobs, 20 before the middle job",
                    "{\"job_type\":\"list_jobs\",\"before\":\"" + fleet.middleJob() + "\"}");
            getters.put("list_jobs, backup_cluster (common)",
                    "{\"job_type\":\"list_jobs\",\"filter_job_type\":\"backup_cluster\"}");
            getters.put("list_jobs, switchover (" + RARE_JOBS + ", oldest)",
                    "{\"job_type\":\"list_jobs\",\"filter_job_type\":\"switchover\"}");
            getters.put("list_jobs, automatic", "{\"job_type\":\"list_jobs\",\"automatic\":\"1\"}");
            getters.put("list_machines, the first page of " + sizes.machines(), "{\"job_type\":\"list_machines\"}");
            for (Map.Entry<String, String> getter : getters.entrySet()) {
                figures.add(latency(manager, getter.getKey(), getter.getValue(),
                        getter.getKey().startsWith("get_") ? 200 : 50));
            }
            requirePages(manager, fleet);

            Map<String, Long> memory = memoryKib(manager.pid());
            figures.add(Figure.mebibytes("manager RSS, peak (VmHWM)", memory.get("VmHWM") / 1024.0, RSS_TARGET_MIB));
            figures.add(Figure.mebibytes("manager RSS, now (VmRSS)", memory.get("VmRSS") / 1024.0, RSS_TARGET_MIB));
            requireUntouched(manager, fleet);
        }
        System.out.printf("%nfleet: %d machines, %d clusters, %d instances, %d ended jobs; populated in %.0f s"
                        + " (machines %.0f s, clusters and instances %.0f s, jobs %.0f s); %d cores%n",
                sizes.machines(), sizes.clusters(), fleet.instances(), fleet.jobs(), fleet.populating().total(),
                fleet.populating().machines(), fleet.populating().clusters(), fleet.populating().jobs(),
                Runtime.getRuntime().availableProcessors());
        System.out.printf("%-48s %12s %12s %8s  %s%n", "figure", "measured", "target", "of target", "met");
        figures.forEach(figure -> System.out.println(figure.line()));
    }

    // ---------------------------------------------------------------- the fleet

    private record Populating(double machines, double clusters, double jobs) {
        double total() {
            return machines + clusters + jobs;
        }
    }

    private record Fleet(String bigCluster, String middleJob, int instances, int jobs, Populating populating) {
    }

    /**
     * Writes the fleet through the store's tables, {@value #BATCH} rows to a transaction (each
     * table's own transaction joins it: Jdbi reuses the thread's open handle).
     */
    private static Fleet populate(Path home, Sizes sizes) {
        try (MetadataStore store = MetadataStore.open(MetadataConfig.embedded(), home,
                new MetaNode("127.0.0.1", 57000))) {
            long start = System.nanoTime();
            inBatches(store, sizes.machines(), i -> store.machines().insert(machine(i), List.of(
                    new PathSpace("/data/kunlun", 4L << 40, 3L << 40), new PathSpace("/log/kunlun", 1L << 40, 1L << 39))));
            long machinesDone = System.nanoTime();
            Placement placement = new Placement(sizes.machines());
            List<String> clusters = new ArrayList<>();
            inBatches(store, sizes.clusters(), i -> clusters.add(cluster(store, i, sizes, placement)));
            long clustersDone = System.nanoTime();
            Jobs jobs = new Jobs(store, sizes, clusters);
            inBatches(store, sizes.jobs(), jobs::record);
            long jobsDone = System.nanoTime();
            return new Fleet(clusters.get(0), jobs.id(sizes.jobs() / 2), placement.placed, sizes.jobs(),
                    new Populating((machinesDone - start) / 1e9, (clustersDone - machinesDone) / 1e9,
                            (jobsDone - clustersDone) / 1e9));
        }
    }

    private static void inBatches(MetadataStore store, int count, IntConsumer write) {
        for (int first = 0; first < count; first += BATCH) {
            int from = first;
            int to = Math.min(count, first + BATCH);
            store.jdbi().useTransaction(handle -> {
                for (int i = from; i < to; i++) {
                    write.accept(i);
                }
            });
        }
    }

    /** 127.1.0.1 and on, 250 to a third octet: loopback, and none of the 127.0.0.x that tests use. */
    private static String address(int machine) {
        return "127.1." + (machine / 250) + "." + (machine % 250 + 1);
    }

    private static Machine machine(int i) {
        return new Machine(address(i), "rack" + i / 40, List.of("/data/kunlun"), List.of("/log/kunlun"),
                List.of("/log/kunlun/wal"), List.of("/data/kunlun/comp"), 262_144, 64);
    }

    /** Spreads instances over the machines in turn, each on ports of its own on its machine. */
    private static final class Placement {
        private final int machines;
        private int placed;

        Placement(int machines) {
            this.machines = machines;
        }

        /** The next instance's machine and first port. */
        Map.Entry<String, Integer> next() {
            int n = placed++;
            return Map.entry(address(n % machines), 57_000 + 10 * (n / machines));
        }
    }

    /**
     * Cluster {@code i}: the first has 100 shards and 2 comps; the others share what is left of
     * the instances, 3 nodes a shard and at least one comp each. Recorded as create_cluster
     * records it: the cluster with its accounts, its shards, each instance and its ports.
     */
    private static String cluster(MetadataStore store, int i, Sizes sizes, Placement placement) {
        String name = String.format("fleet_%04d", i);
        int shards;
        int comps;
        if (i == 0) {
            shards = BIG_SHARDS;
            comps = BIG_COMPS;
        } else {
            int others = sizes.clusters() - 1;
            int left = sizes.instances() - BIG_SHARDS * NODES - BIG_COMPS;
            int each = left / others + (i <= left % others ? 1 : 0);
            shards = (each - 1) / NODES;
            comps = each - shards * NODES;
        }
        String jobId = "create-" + name;
        store.clusters().insertCluster(name, new ClusterSpec(HaMode.RBR, NODES, 100, 1000, 8, 8), jobId, List.of(
                new Credential("admin", "kunlun_admin", "a" + i), new Credential("repl", "kunlun_repl", "r" + i),
                new Credential("monitor", "kunlun_monitor", "m" + i)));
        for (int shard = 1; shard <= shards; shard++) {
            store.clusters().insertShard(name, "shard" + shard);
            for (int node = 0; node < NODES; node++) {
                Map.Entry<String, Integer> at = placement.next();
                int port = at.getValue();
                record(store, new Instance(at.getKey(), port, name, InstanceKind.STORAGE, Optional.of("shard" + shard),
                        Optional.empty(), Optional.of(node == 0 ? Role.PRIMARY : Role.REPLICA), InstanceStatus.ACTIVE,
                        port + 1, port + 2, "/data/kunlun/" + port, "/log/kunlun/" + port, "/log/kunlun/wal/" + port,
                        ""), List.of(port, port + 1, port + 2, port + 3), jobId);
            }
        }
        for (int comp = 1; comp <= comps; comp++) {
            Map.Entry<String, Integer> at = placement.next();
            int port = at.getValue();
            record(store, new Instance(at.getKey(), port, name, InstanceKind.COMP, Optional.empty(),
                    Optional.of("comp" + comp), Optional.empty(), InstanceStatus.ACTIVE, 0, 0,
                    "/data/kunlun/comp/" + port, "/data/kunlun/comp/" + port + "/log", "", ""),
                    List.of(port, port + 1), jobId);
        }
        return name;
    }

    private static void record(MetadataStore store, Instance instance, List<Integer> ports, String jobId) {
        store.clusters().reservePorts(instance.hostaddr(), ports, instance.clusterName(), jobId);
        store.clusters().insertInstance(instance);
    }

    /**
     * The ended jobs, oldest first: a few switchovers, each machine's create_machine, each
     * cluster's create_cluster, then routine jobs over the clusters, one in
     * {@value #AUTOMATIC_EVERY} automatic and one in {@value #FAILED_EVERY} failed. Each is
     * accepted, started and ended, as the job engine does it.
     */
    private static final class Jobs {
        private final MetadataStore store;
        private final Sizes sizes;
        private final List<String> clusters;

        Jobs(MetadataStore store, Sizes sizes, List<String> clusters) {
            this.store = store;
            this.sizes = sizes;
            this.clusters = clusters;
        }

        /** Job {@code n}'s id: the creations' ids are the ones their machines' and clusters' rows name. */
        String id(int n) {
            if (n < RARE_JOBS) {
                return "switchover-" + n;
            }
            if (n < RARE_JOBS + sizes.machines()) {
                return "create-machine-" + (n - RARE_JOBS);
            }
            if (n < routineFrom()) {
                return "create-" + clusters.get(n - RARE_JOBS - sizes.machines());
            }
            return String.format("job-%07d", n);
        }

        void record(int n) {
            String id = id(n);
            String cluster = clusters.get(n % clusters.size());
            String machine = address(n % sizes.machines());
            if (n >= routineFrom() && n % AUTOMATIC_EVERY == 0) {
                store.jobs().insertOngoing(id, JobType.AUTO_RESTART, request(JobType.AUTO_RESTART, id, cluster),
                        "cluster:" + cluster, "starting " + machine + ":57000 again");
                store.jobs().apply(id, JobTransition.SUCCEED, machine + ":57000 runs again");
                return;
            }
            JobType type = typeOf(n);
            String lock = type == JobType.CREATE_MACHINE ? "machine:" + address(n - RARE_JOBS) : "cluster:" + cluster;
            store.jobs().insert(id, type, "fleet", request(type, id, cluster), lock, "queued");
            store.jobs().apply(id, JobTransition.START, "checking");
            boolean failed = n % FAILED_EVERY == FAILED_EVERY - 1;
            store.jobs().apply(id, failed ? JobTransition.FAIL : JobTransition.SUCCEED,
                    failed ? "refused: the cluster is busy" : "done");
        }

        private int routineFrom() {
            return RARE_JOBS + sizes.machines() + sizes.clusters();
        }

        private JobType typeOf(int n) {
            if (n < RARE_JOBS) {
                return JobType.SWITCHOVER;
            }
            if (n < RARE_JOBS + sizes.machines()) {
                return JobType.CREATE_MACHINE;
            }
            if (n < routineFrom()) {
                return JobType.CREATE_CLUSTER;
            }
            return ROUTINE.get(n % ROUTINE.size());
        }

        private static String request(JobType type, String id, String cluster) {
            return "{\"job_type\":\"" + type.wireName() + "\",\"job_id\":\"" + id + "\",\"cluster_name\":\"" + cluster
                    + "\"}";
        }
    }

    // ---------------------------------------------------------------- measuring

    /** One printed figure and the target it is held against (at most {@code target}). */
    private record Figure(String name, double measured, double target, String unit) {
        static Figure seconds(String name, double measured, double target) {
            return new Figure(name, measured, target, "s");
        }

        static Figure millis(String name, double measured, double target) {
            return new Figure(name, measured, target, "ms");
        }

        static Figure mebibytes(String name, double measured, double target) {
            return new Figure(name, measured, target, "MiB");
        }

        String line() {
            return String.format("%-48s %9.2f %-3s %8s %-3s %8.0f%%  %s", name, measured, unit,
                    "< " + (int) target, unit, 100 * measured / target, measured < target ? "met" : "MISSED");
        }
    }

    /**
     * One client, one request after the other: {@code samples} timed after 5 not timed; prints
     * p50, p99, the maximum and the reply's size; answers the p99 against the getters' target.
     */
    private static Figure latency(ManagerProcess manager, String name, String body, int samples) throws Exception {
        int bytes = require(manager.client().post(body), name).body().length();
        Latencies.timed(1, 5, () -> require(manager.client().post(body), name));
        long[] nanos = Latencies.timed(1, samples, () -> require(manager.client().post(body), name));
        System.out.printf("%-48s p50 %8.2f ms  p99 %8.2f ms  max %8.2f ms  %d requests, reply %,d bytes%n", name,
                Latencies.millis(nanos, 50), Latencies.millis(nanos, 99), Latencies.millis(nanos, 100), nanos.length,
                bytes);
        return Figure.millis(name + ", p99", Latencies.millis(nanos, 99), GETTER_TARGET_MILLIS);
    }

    /** The pages are pages: never more than asked, and the next one starts where the last ended. */
    private static void requirePages(ManagerProcess manager, Fleet fleet) {
        JsonNode first = manager.client().post("{\"job_type\":\"list_jobs\",\"limit\":\"1000\"}").json();
        String next = first.path("next_before").asText();
        JsonNode second = manager.client().post("{\"job_type\":\"list_jobs\",\"limit\":\"1000\",\"before\":\""
                + next + "\"}").json();
        if (first.path("jobs").size() != 1000 || second.path("jobs").size() != 1000 || next.isEmpty()
                || second.path("jobs").get(0).path("job_id").asText().equals(next)) {
            throw new IllegalStateException("list_jobs does not page as documented: " + next + ", "
                    + first.path("jobs").size() + " then " + second.path("jobs").size() + " jobs");
        }
        JsonNode rare = manager.client().post("{\"job_type\":\"list_jobs\",\"filter_job_type\":\"switchover\"}")
                .json().path("jobs");
        if (rare.size() != RARE_JOBS) {
            throw new IllegalStateException("list_jobs of switchover answered " + rare.size() + " jobs, not " + RARE_JOBS);
        }
    }

    /**
     * The safety of the simulation: the manager started no process (no probe, no command on a
     * machine) and every instance of the 100-shard cluster still has the status it was given.
     */
    private static void requireUntouched(ManagerProcess manager, Fleet fleet) {
        long started = ProcessHandle.of(manager.pid()).orElseThrow().descendants().count();
        JsonNode storage = manager.client().post("{\"job_type\":\"get_storage\",\"cluster_name\":\""
                + fleet.bigCluster() + "\"}").json();
        long changed = 0;
        for (JsonNode node : storage) {
            if (!node.path("status").asText().equals("active")) {
                changed++;
            }
        }
        if (started > 0 || changed > 0) {
            throw new IllegalStateException("the manager reached for the simulated machines: " + started
                    + " processes of its own, " + changed + " statuses changed");
        }
        System.out.println("the manager started no process and changed no status of the simulated fleet");
    }

    /**
     * Waits until the manager uses less than a tenth of a core over a second (its start-up's
     * background work is over); answers how long after {@code launched} that was.
     */
    private static double awaitIdle(long pid, long launched) throws IOException, InterruptedException {
        long before = cpuTicks(pid);
        while (System.nanoTime() - launched < IDLE_PATIENCE_NANOS) {
            Thread.sleep(1000);
            long now = cpuTicks(pid);
            if (now - before < CLOCK_TICKS_PER_SECOND / 10) {
                return (System.nanoTime() - launched) / 1e9 - 1;
            }
            before = now;
        }
        throw new IllegalStateException("the manager was still busy " + IDLE_PATIENCE_NANOS / 1_000_000_000L
                + " s after its launch");
    }

    /** User and system CPU time of a process, in clock ticks (/proc/PID/stat fields 14 and 15). */
    private static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }

    /** The kibibyte lines of /proc/PID/status (VmHWM, VmRSS, ...). */
    private static Map<String, Long> memoryKib(long pid) throws IOException {
        Map<String, Long> memory = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.endsWith(" kB")) {
                String[] words = line.split("\\s+");
                memory.put(words[0].replace(":", ""), Long.parseLong(words[1]));
            }
        }
        return memory;
    }

    private static Reply require(Reply reply, String what) {
        if (reply.status() != 200 || "failed".equals(reply.json().path("result").asText())) {
            throw new IllegalStateException(what + " failed: " + reply);
        }
        return reply;
    }
}
