package io.kunlun.testkit.rollback;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kunlun.core.config.ManagerConfig;
import io.kunlun.core.engines.StorageLayout;
import io.kunlun.core.engines.StoragePorts;
import io.kunlun.core.meta.MetadataStore;
import io.kunlun.model.MetaNode;
import io.kunlun.testkit.InstanceTraces;
import io.kunlun.testkit.LoopbackMachine;
import io.kunlun.testkit.LoopbackMachines;
import io.kunlun.testkit.ManagedProcesses;
import io.kunlun.testkit.ManagerKilledMidJob;
import io.kunlun.testkit.ManagerProcess;
import io.kunlun.testkit.PausedProcess;
import io.kunlun.testkit.Reply;
import io.kunlun.testkit.cluster.ClusterFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;

import static io.kunlun.testkit.InstanceTraces.names;
import static io.kunlun.testkit.cluster.ClusterFixture.address;
import static io.kunlun.testkit.cluster.ClusterFixture.hostaddrs;
import static io.kunlun.testkit.cluster.ClusterFixture.job;
import static io.kunlun.testkit.cluster.ClusterFixture.machineList;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A job that adds to a cluster and is interrupted half-way (its manager killed, its backup
 * killed, a port it chose taken) is rolled back: the cluster is exactly as it was before the job,
 * nothing the job started still runs, no port stays reserved, and the cluster still takes writes.
 * All the tests share one rbr cluster of one shard of two nodes and one comp on two machines;
 * the jobs place what they add on two other machines.
 */
class GrowthRollbackTest {
    private static final Duration JOB_TIMEOUT = Duration.ofMinutes(3);

    /** The commands a killed manager left running: each test's go when it ends. */
    @RegisterExtension
    static ManagedProcesses processes = ManagedProcesses.create();
    /** The manager, restarted by tests, lives until the class ends. */
    static final ManagedProcesses managerProcesses = ManagedProcesses.create();
    @RegisterExtension
    static LoopbackMachines loopback = LoopbackMachines.range("127.0.0.130", "127.0.0.133");
    @TempDir
    static Path home;
    static ManagerProcess manager;
    static List<LoopbackMachine> clusterMachines;
    static List<LoopbackMachine> newMachines;
    static List<LoopbackMachine> allMachines;
    static String cluster;
    static final AtomicInteger rows = new AtomicInteger();

    private ClusterState before;

    @BeforeAll
    static void createCluster() throws Exception {
        clusterMachines = List.of(loopback.take(), loopback.take());
        newMachines = List.of(loopback.take(), loopback.take());
        allMachines = new ArrayList<>(clusterMachines);
        allMachines.addAll(newMachines);
        manager = ManagerProcess.start(home, managerProcesses, "--expose-credentials");
        ClusterFixture.register(manager.client(), allMachines);
        cluster = ClusterFixture.createdCluster(manager.client(), "rbr", 1, 2, 1, clusterMachines);
        ClusterFixture.createTable(primary());
        try (Connection sql = ClusterFixture.postgres(comp()); Statement statement = sql.createStatement()) {
            statement.execute("CREATE FOREIGN TABLE t (id int, v text) SERVER shard1"
                    + " OPTIONS (dbname 'app', table_name 't')");
        }
    }

    @AfterAll
    static void deleteCluster() {
        try {
            if (cluster != null) {
                assertThat(ClusterFixture.deleteCluster(manager.client(), cluster).result()).isEqualTo("done");
            }
        } finally {
            managerProcesses.close();
        }
    }

    @BeforeEach
    void takeState() throws Exception {
        before = ClusterState.of(manager, cluster, allMachines);
    }

    /**
     * The cluster is the one the test found (getters, links, directories, ports, processes, port
     * reservations), and a write through its comp lands on its primary.
     */
    private void assertTheClusterIsAsItWas() throws Exception {
        assertThat(ClusterState.of(manager, cluster, allMachines)).isEqualTo(before);
        int id = rows.incrementAndGet();
        try (Connection sql = ClusterFixture.postgres(comp());
             PreparedStatement insert = sql.prepareStatement("INSERT INTO t VALUES (?, ?)")) {
            insert.setInt(1, id);
            insert.setString(2, "after rollback " + id);
            insert.executeUpdate();
        }
        try (Connection sql = ClusterFixture.mariadb(primary());
             PreparedStatement select = sql.prepareStatement("SELECT v FROM app.t WHERE id = ?")) {
            select.setInt(1, id);
            try (ResultSet found = select.executeQuery()) {
                assertThat(found.next()).as("row " + id + " on the primary").isTrue();
                assertThat(found.getString(1)).isEqualTo("after rollback " + id);
            }
        }
        assertOnlyTheInstancesHoldPorts();
    }

    @Test
    void addShardsKilledWhileTheNewShardStartsIsRolledBackOnRestart() throws Exception {
        ObjectNode request = machineList(job("add_shards", cluster).put("shards", "1"), hostaddrs(newMachines));

        Interrupted interrupted = killWhen(request, process -> isServer(process, "mariadbd")
                && newMachines.stream().anyMatch(machine -> names(process, machine.root())), process -> { });

        assertThat(interrupted.status().result()).isEqualTo("failed");
        assertThat(interrupted.status().info()).isIn(
                "the manager stopped while the job was at step 'installing 2 storage nodes'; rolled back",
                "the manager stopped while the job was at step 'installed storage node'; rolled back");
        assertThat(interrupted.stillRunning()).isEmpty();
        assertTheClusterIsAsItWas();
    }

    @Test
    void addCompsKilledWhileTheNewCompIsInstalledIsRolledBackOnRestart() throws Exception {
        ObjectNode request = machineList(job("add_comps", cluster).put("comps", "1"),
                hostaddrs(newMachines.subList(0, 1)));

        // The initialisation is paused: it still runs when the manager is back, as a slow one would.
        Interrupted interrupted = killWhen(request, process -> isServer(process, "initdb")
                && names(process, newMachines.get(0).compDatadir()), PausedProcess::pause);

        assertThat(interrupted.status().result()).isEqualTo("failed");
        assertThat(interrupted.status().info())
                .isEqualTo("the manager stopped while the job was at step 'installing 1 comps'; rolled back");
        assertThat(interrupted.stillRunning()).isEmpty();
        assertTheClusterIsAsItWas();
    }

    @Test
    void addNodesKilledDuringTheSeedStreamIsRolledBackOnRestart() throws Exception {
        ObjectNode request = addNodes(1, newMachines.subList(0, 1));

        // The receiving end is paused: the stream is still in flight when the manager is back,
        // as a stream of a big shard would be, whatever this shard holds.
        Interrupted interrupted = killWhen(request, GrowthRollbackTest::isBackupStream,
                stream -> PausedProcess.pause(
                        awaitProcess(request, process -> isReceiver(process, newMachines.get(0)))));

        assertThat(interrupted.status().result()).isEqualTo("failed");
        assertThat(interrupted.status().info())
                .isEqualTo("the manager stopped while the job was at step 'seeding 1 nodes'; rolled back");
        assertThat(interrupted.stillRunning()).isEmpty();
        assertTheClusterIsAsItWas();
    }

    @Test
    void aBackupKilledMidStreamFailsTheNewNodeAndRollsItBack() throws Exception {
        ObjectNode request = addNodes(1, newMachines.subList(0, 1));
        manager.client().post(request.toString());
        String jobId = request.get("job_id").asText();
        JsonNode added = awaitAddedNodes(jobId, 1).get(0);
        ProcessHandle backup = awaitProcess(request, GrowthRollbackTest::isBackupStream);
        awaitOne(jobId, List.of(instanceDirectory(added).resolve("seed")), GrowthRollbackTest::hasFiles);

        List<ProcessHandle> stream = ProcessHandle.of(manager.pid()).orElseThrow().descendants().toList();
        backup.destroyForcibly();
        Reply failed = manager.client().awaitJob(jobId, JOB_TIMEOUT);

        assertThat(failed.result()).isEqualTo("failed");
        assertThat(failed.info()).startsWith("shard1 node " + address(added) + ": ")
                .contains(": sending the backup of " + address(primary()) + " failed (exit 137): ")
                .endsWith("; rolled back");
        assertThat(ManagerKilledMidJob.stillRunning(stream)).as("the stream's commands").isEmpty();
        assertTheClusterIsAsItWas();
    }

    @Test
    void aPortTakenAfterPlanningFailsThatNodeAndRollsBackTheOneAlreadyJoined() throws Exception {
        ObjectNode request = addNodes(2, newMachines);
        manager.client().post(request.toString());
        String jobId = request.get("job_id").asText();
        List<JsonNode> added = awaitAddedNodes(jobId, 2);
        JsonNode seededFirst = awaitOne(jobId, added, node -> Files.isDirectory(instanceDirectory(node)));
        JsonNode installedNext = added.get(added.indexOf(seededFirst) == 0 ? 1 : 0);

        Reply failed;
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getByName(installedNext.get("ip").asText()),
                    installedNext.get("port").asInt()));
            failed = manager.client().awaitJob(jobId, JOB_TIMEOUT);
        }

        assertThat(failed.result()).isEqualTo("failed");
        assertThat(failed.info()).isEqualTo("shard1 node " + address(installedNext) + ": port "
                + installedNext.get("port").asText() + " is already in use; rolled back");
        assertTheClusterIsAsItWas();
    }

    /** A job's end after its manager was killed with the job in flight and started again. */
    private record Interrupted(Reply status, List<String> stillRunning) {
    }

    /**
     * Submits the job, and once a process the predicate accepts runs (and {@code then} did what it
     * does with it), kills the manager's JVM alone (its commands in flight live on, as they do when
     * a manager crashes), starts it again and answers the job's status with those commands that
     * still run after the restart's rollback.
     */
    private static Interrupted killWhen(ObjectNode request, Predicate<ProcessHandle> moment,
                                        Consumer<ProcessHandle> then) {
        manager.client().post(request.toString());
        then.accept(awaitProcess(request, moment));
        List<ProcessHandle> inFlight = ManagerKilledMidJob.killTheJvmAloneAndRestart(manager, processes);
        Reply status = manager.client().awaitJob(request.get("job_id").asText(), JOB_TIMEOUT);
        return new Interrupted(status, ManagerKilledMidJob.stillRunning(inFlight));
    }

    /** The first process the predicate accepts, failing when the job ends before one runs. */
    private static ProcessHandle awaitProcess(ObjectNode request, Predicate<ProcessHandle> wanted) {
        String jobId = request.get("job_id").asText();
        return awaitOne(jobId, () -> ProcessHandle.allProcesses().filter(ManagedProcesses::isRunning)
                .filter(wanted).findFirst());
    }

    private static <T> T awaitOne(String jobId, List<T> candidates, Predicate<T> wanted) {
        return awaitOne(jobId, () -> candidates.stream().filter(wanted).findFirst());
    }

    private static <T> T awaitOne(String jobId, Supplier<Optional<T>> probe) {
        long deadline = System.nanoTime() + JOB_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<T> found = probe.get();
            if (found.isPresent()) {
                return found.get();
            }
            Reply status = status(jobId);
            assertThat(status.result()).as("the job ended before the moment the test waits for: " + status)
                    .isIn("accept", "ongoing");
            pause();
        }
        throw new AssertionError("job " + jobId + " never reached the moment the test waits for");
    }

    /** The storage nodes the job registered, once there are {@code count} of them. */
    private static List<JsonNode> awaitAddedNodes(String jobId, int count) {
        return awaitOne(jobId, () -> {
            List<JsonNode> added = ClusterFixture.storageNodes(manager.client(), cluster).stream()
                    .filter(node -> newMachines.stream().anyMatch(m -> m.hostaddr().equals(node.get("ip").asText())))
                    .toList();
            return added.size() == count ? Optional.of(added) : Optional.empty();
        });
    }

    /**
     * Every port the metadata holds on the machines belongs to an instance the getters list: the
     * manager is stopped for the look (its store is its own while it runs) and started again.
     */
    private static void assertOnlyTheInstancesHoldPorts() {
        Map<String, List<Integer>> instancePorts = new TreeMap<>();
        allMachines.forEach(machine -> instancePorts.put(machine.hostaddr(), new ArrayList<>()));
        for (JsonNode node : ClusterFixture.storageNodes(manager.client(), cluster)) {
            instancePorts.get(node.get("ip").asText()).addAll(StoragePorts.from(node.get("port").asInt()).all());
        }
        for (JsonNode comp : ClusterFixture.comps(manager.client(), cluster)) {
            instancePorts.get(comp.get("ip").asText()).add(comp.get("port").asInt());
        }
        instancePorts.values().forEach(ports -> ports.sort(Integer::compare));
        manager.kill();
        Map<String, List<Integer>> held = new TreeMap<>();
        try (MetadataStore store = MetadataStore.open(ManagerConfig.MetadataConfig.embedded(), home,
                new MetaNode("127.0.0.1", 1))) {
            allMachines.forEach(machine -> held.put(machine.hostaddr(), store.clusters().heldPorts(machine.hostaddr())));
        } finally {
            manager.restart();
        }
        assertThat(held).as("ports held in the metadata").isEqualTo(instancePorts);
    }

    private static boolean isServer(ProcessHandle process, String program) {
        return process.info().command().orElse("").endsWith("/" + program)
                && !process.info().commandLine().orElse("").contains("--bootstrap");
    }

    /** The backup program streaming a copy of the shard's primary to a new node. */
    private static boolean isBackupStream(ProcessHandle process) {
        String commandLine = process.info().commandLine().orElse("");
        return process.info().command().orElse("").matches(".*/(mariabackup|mariadb-backup)")
                && commandLine.contains("--backup") && commandLine.contains("--stream=xbstream")
                && names(process, clusterMachines.get(0).root());
    }

    /** The extractor writing the stream a new node on the machine receives. */
    private static boolean isReceiver(ProcessHandle process, LoopbackMachine machine) {
        return process.info().command().orElse("").endsWith("/mbstream") && names(process, machine.root());
    }

    /** A directory that something was written into. */
    private static boolean hasFiles(Path directory) {
        try (var entries = Files.list(directory)) {
            return entries.findAny().isPresent();
        } catch (IOException notYet) {
            return false;
        }
    }


    /** The directory of a storage node the job registered, as the manager lays it out on its machine. */
    private static Path instanceDirectory(JsonNode node) {
        LoopbackMachine machine = ClusterFixture.machineOf(allMachines, node);
        return Path.of(StorageLayout.under(machine.datadir().toString(), machine.logdir().toString(),
                machine.walLogDir().toString(), node.get("port").asInt()).instanceDir());
    }

    private static JsonNode primary() {
        return ClusterFixture.primary(manager.client(), cluster, "shard1");
    }

    private static JsonNode comp() {
        return ClusterFixture.comps(manager.client(), cluster).get(0);
    }

    private static ObjectNode addNodes(int nodes, List<LoopbackMachine> machines) {
        return machineList(job("add_nodes", cluster).put("shard_name", "shard1").put("nodes", Integer.toString(nodes)),
                hostaddrs(machines));
    }


    private static Reply status(String jobId) {
        return manager.client().post("{\"job_type\":\"get_status\",\"job_id\":\"" + jobId + "\"}");
    }

    private static void pause() {
        try {
            Thread.sleep(10);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
