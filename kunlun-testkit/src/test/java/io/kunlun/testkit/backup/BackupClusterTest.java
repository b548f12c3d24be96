package io.kunlun.testkit.backup;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kunlun.testkit.InstanceTraces;
import io.kunlun.testkit.LoopbackMachine;
import io.kunlun.testkit.LoopbackMachines;
import io.kunlun.testkit.Reply;
import io.kunlun.testkit.TestManager;
import io.kunlun.testkit.cluster.ClusterFixture;
import io.kunlun.testkit.topology.TopologyFixture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.kunlun.testkit.cluster.ClusterFixture.address;
import static io.kunlun.testkit.cluster.ClusterFixture.comps;
import static io.kunlun.testkit.cluster.ClusterFixture.primary;
import static io.kunlun.testkit.cluster.ClusterFixture.readOn;
import static io.kunlun.testkit.backup.BackupRequests.backup;
import static io.kunlun.testkit.cluster.ClusterFixture.run;
import static io.kunlun.testkit.cluster.ClusterFixture.shardNodes;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * backup_cluster and list_backups through HTTP on a real rbr cluster (one shard of a primary and
 * a replica, one comp), with the store at its default place, {@code <home>/backups}.
 */
class BackupClusterTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static TestManager manager = TestManager.builder()
            // The comp test stops a comp behind the monitor's back; the monitor must not notice first.
            .configure(config -> config.withExposeCredentials(true).withHealthIntervalSeconds(3600)).build();
    @RegisterExtension
    static LoopbackMachines loopback = LoopbackMachines.range("127.0.0.160", "127.0.0.161");
    static List<LoopbackMachine> machines;
    static String cluster;

    @BeforeAll
    static void createCluster() throws Exception {
        machines = List.of(loopback.take(), loopback.take());
        ClusterFixture.register(manager, machines);
        cluster = ClusterFixture.createdCluster(manager.client(), "rbr", 1, 2, 1, machines);
        JsonNode primary = primary(manager.client(), cluster, "shard1");
        ClusterFixture.createTable(primary);
        try (Connection sql = ClusterFixture.mariadb(primary); Statement statement = sql.createStatement()) {
            statement.execute("INSERT INTO app.t SELECT seq, CONCAT('row ', seq) FROM app.seq_1_to_1000");
        }
        TopologyFixture.insertThrough(comps(manager.client(), cluster).get(0), "shard1", 1001, "through comp1");
    }

    @Test
    void aBackupCopiesTheShardFromItsReplicaWithItsPositionAndTheCompsSchema(@TempDir Path extracted)
            throws Exception {
        JsonNode primary = primary(manager.client(), cluster, "shard1");
        JsonNode replica = shardNodes(manager.client(), cluster, "shard1").stream()
                .filter(node -> node.get("role").asText().equals("replica")).findFirst().orElseThrow();
        String primaryPosition = readOn(primary, "SELECT @@gtid_binlog_pos");
        assertThat(ClusterFixture.readEventually(replica, "SELECT COUNT(*) FROM app.t WHERE id = 1001"))
                .isEqualTo("1");

        List<String> steps = new ArrayList<>();
        ObjectNode request = backup(cluster);
        Reply backup = runWatchingSteps(request, steps);

        assertThat(backup.result()).as(backup.toString()).isEqualTo("done");
        assertThat(steps).as("get_status shows the bytes copied while the shard is copied")
                .anyMatch(step -> step.matches("copying 1 shard to 127\\.0\\.0\\.1:.*/" + cluster
                        + "/\\d{8}T\\d{6}Z: \\d+ MiB stored of [1-9]\\d* MiB of data"));
        assertThat(backup.info()).matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d");
        Path directory = backupMadeBy(request.get("job_id").asText());
        JsonNode manifest = JSON.readTree(directory.resolve("manifest.json").toFile());
        assertThat(manifest.get("cluster").asText()).isEqualTo(cluster);
        assertThat(manifest.get("backup_id").asText()).isEqualTo(directory.getFileName().toString());
        assertThat(manifest.get("backup_time").asText()).isEqualTo(backup.info());
        assertThat(manifest.get("spec").get("ha_mode").asText()).isEqualTo("rbr");
        assertThat(manifest.get("spec").get("nodes").asInt()).isEqualTo(2);

        JsonNode shard = manifest.get("shards").get(0);
        assertThat(manifest.get("shards")).hasSize(1);
        assertThat(shard.get("name").asText()).isEqualTo("shard1");
        assertThat(shard.get("source").asText()).as("copied from the replica").isEqualTo(address(replica));
        assertThat(shard.get("source_role").asText()).isEqualTo("replica");
        assertThat(shard.get("compression").asText()).isEqualTo("zstd");
        assertThat(shard.get("gtid_position").asText()).isEqualTo(primaryPosition);
        assertThat(shard.get("file").get("path").asText()).isEqualTo("shard1/backup.xbstream.zst");
        assertMatches(directory, shard.get("file"));

        Path stream = directory.resolve("shard1/backup.xbstream.zst");
        extract(stream, extracted);
        assertThat(Files.readString(binlogInfo(extracted)).strip())
                .as("the position recorded is the one inside the stream")
                .isEqualTo(shard.get("binlog_file").asText() + "\t" + shard.get("binlog_offset").asText() + "\t"
                        + primaryPosition);
        // The table's InnoDB file may be streamed as t.new, which prepare renames: its creation is
        // newer than the server's last checkpoint.
        assertThat(extracted.resolve("app/t.frm")).as("the table written before the backup").isRegularFile();

        JsonNode comp = manifest.get("comps").get(0);
        assertThat(comp.get("name").asText()).isEqualTo("comp1");
        assertThat(comp.get("database").asText()).isEqualTo("kunlun");
        assertMatches(directory, comp.get("schema"));
        assertMatches(directory, comp.get("roles"));
        assertThat(Files.readString(directory.resolve("comp1/schema.sql")))
                .contains("CREATE FOREIGN TABLE public.t_shard1").contains("SERVER shard1");
        assertThat(Files.readString(directory.resolve("comp1/roles.sql"))).contains("CREATE ROLE kunlun_admin")
                .doesNotContain("PASSWORD");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(directory))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(stream))).isEqualTo("rw-------");

        List<JsonNode> listed = new ArrayList<>();
        listBackups(cluster).get("backups").forEach(listed::add);
        JsonNode entry = listed.stream()
                .filter(backupEntry -> backupEntry.get("backup_id").asText().equals(directory.getFileName().toString()))
                .findFirst().orElseThrow(() -> new AssertionError("list_backups does not list " + directory));
        assertThat(entry.get("cluster").asText()).isEqualTo(cluster);
        assertThat(entry.get("backup_id").asText()).isEqualTo(directory.getFileName().toString());
        assertThat(entry.get("time").asText()).isEqualTo(backup.info());
        assertThat(entry.get("bytes").asLong()).isEqualTo(shard.get("file").get("bytes").asLong()
                + comp.get("schema").get("bytes").asLong() + comp.get("roles").get("bytes").asLong());
        assertThat(entry.get("shards")).extracting(JsonNode::asText).containsExactly("shard1");
        assertThat(listBackups("no_backups_here").get("backups")).isEmpty();
    }

    @Test
    void aShardWhoseReplicaStoppedApplyingIsCopiedFromItsPrimary() throws Exception {
        JsonNode primary = primary(manager.client(), cluster, "shard1");
        JsonNode replica = shardNodes(manager.client(), cluster, "shard1").stream()
                .filter(node -> node.get("role").asText().equals("replica")).findFirst().orElseThrow();
        ClusterFixture.asOperatorOnTheMachine(machines, replica, "STOP SLAVE SQL_THREAD");
        try {
            ObjectNode request = backup(cluster);
            Reply backup = run(manager, request);

            assertThat(backup.result()).as(backup.toString()).isEqualTo("done");
            JsonNode shard = JSON.readTree(backupMadeBy(request.get("job_id").asText()).resolve("manifest.json")
                    .toFile()).get("shards").get(0);
            assertThat(shard.get("source").asText()).isEqualTo(address(primary));
            assertThat(shard.get("source_role").asText()).isEqualTo("primary");
        } finally {
            ClusterFixture.asOperatorOnTheMachine(machines, replica, "START SLAVE SQL_THREAD");
        }
    }

    @Test
    void aBackupOfAnUnknownClusterIsRefusedNamingItAndLeavesNothing() throws Exception {
        Reply backup = run(manager, backup("cluster_nowhere"));

        assertThat(backup.result()).isEqualTo("failed");
        assertThat(backup.info()).isEqualTo("no cluster named cluster_nowhere");
        assertThat(store().resolve("cluster_nowhere")).doesNotExist();
    }

    @Test
    void aBackupIntoAStoreThatIsNotAWritableDirectoryFailsNamingItAndLeavesNothing() throws Exception {
        Path store = store();
        Path kept = store.resolveSibling("backups.kept");
        boolean existed = Files.exists(store);
        if (existed) {
            Files.move(store, kept);
        }
        try {
            Files.writeString(store, "not a directory");

            Reply backup = run(manager, backup(cluster));

            assertThat(backup.result()).isEqualTo("failed");
            assertThat(backup.info()).isEqualTo("backup store 127.0.0.1:" + store
                    + " is not a writable directory");
            assertThat(Files.readString(store)).isEqualTo("not a directory");
        } finally {
            Files.deleteIfExists(store);
            if (existed) {
                Files.move(kept, store);
            }
        }
    }

    @Test
    void aBackupThatFailsAfterCopyingAShardLeavesNoPartialBackupAndTheClusterAsItWas() throws Exception {
        JsonNode comp = comps(manager.client(), cluster).get(0);
        List<String> before = backupIds();
        ProcessHandle postmaster = InstanceTraces.compServer(ClusterFixture.machineOf(machines, comp),
                comp.get("port").asInt());
        postmaster.destroyForcibly();
        postmaster.onExit().get(30, TimeUnit.SECONDS);
        try {
            Reply backup = run(manager, backup(cluster));

            assertThat(backup.result()).isEqualTo("failed");
            assertThat(backup.info()).startsWith("comp1 " + address(comp) + ": pg_dump exited 1: ")
                    .endsWith("; rolled back");
            assertThat(backupIds()).as("no partial backup left").isEqualTo(before);
            assertThat(readOn(primary(manager.client(), cluster, "shard1"), "SELECT COUNT(*) FROM app.t"))
                    .isEqualTo("1001");
        } finally {
            Reply started = ClusterFixture.control(manager, comp, "start");
            assertThat(started.result()).as(started.toString()).isEqualTo("done");
        }
    }


    /** Submits a job and polls get_status until it ends, noting every step it shows on the way. */
    private static Reply runWatchingSteps(ObjectNode request, List<String> steps) throws InterruptedException {
        String jobId = request.get("job_id").asText();
        assertThat(manager.post(request.toString()).json().get("result").asText()).isEqualTo("accept");
        long deadline = System.nanoTime() + ClusterFixture.CLUSTER_JOB_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            Reply status = manager.post("{\"job_type\":\"get_status\",\"job_id\":\"" + jobId + "\"}");
            JsonNode step = status.json().get("step");
            if (step != null && (steps.isEmpty() || !steps.get(steps.size() - 1).equals(step.asText()))) {
                steps.add(step.asText());
            }
            if (List.of("done", "failed").contains(status.result())) {
                return status;
            }
            Thread.sleep(100);
        }
        throw new AssertionError(jobId + " did not end; its steps: " + steps);
    }

    private static JsonNode listBackups(String clusterName) {
        return ClusterFixture.query(manager, "list_backups", clusterName);
    }

    private static Path store() {
        return manager.home().toAbsolutePath().normalize().resolve("backups");
    }

    /** The ids of the cluster's backup directories in the store, complete or not. */
    private static List<String> backupIds() throws IOException {
        Path directory = store().resolve(cluster);
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        try (Stream<Path> children = Files.list(directory)) {
            return children.map(child -> child.getFileName().toString()).sorted().toList();
        }
    }

    /** The cluster's backup directory whose job marker names the job. */
    private static Path backupMadeBy(String jobId) throws IOException {
        for (String id : backupIds()) {
            Path directory = store().resolve(cluster).resolve(id);
            if (Files.readString(directory.resolve(".kunlun-job")).strip().equals(jobId)) {
                return directory;
            }
        }
        throw new AssertionError("no backup of " + cluster + " was made by " + jobId);
    }

    /** The file the manifest entry names has the size and SHA-256 the entry says. */
    private static void assertMatches(Path directory, JsonNode file) throws Exception {
        Path path = directory.resolve(file.get("path").asText());
        assertThat(Files.size(path)).as(path.toString()).isEqualTo(file.get("bytes").asLong());
        MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(path)) {
            byte[] buffer = new byte[1 << 16];
            for (int read = in.read(buffer); read > 0; read = in.read(buffer)) {
                sha256.update(buffer, 0, read);
            }
        }
        assertThat(HexFormat.of().formatHex(sha256.digest())).as(path.toString()).isEqualTo(file.get("sha256").asText());
    }

    /** The binlog information file of an extracted backup, by either name MariaDB versions give it. */
    private static Path binlogInfo(Path extracted) {
        return Stream.of("mariadb_backup_binlog_info", "xtrabackup_binlog_info").map(extracted::resolve)
                .filter(Files::exists).findFirst()
                .orElseThrow(() -> new AssertionError("no binlog information file in " + extracted));
    }

    /** Unpacks a stored stream the way a restore by hand would: zstd, then mbstream. */
    private static void extract(Path stream, Path into) throws Exception {
        Process unpack = new ProcessBuilder("bash", "-c", "set -o pipefail; zstd -dc -- \"$1\" | mbstream -x -C \"$2\"",
                "bash", stream.toString(), into.toString()).redirectErrorStream(true).start();
        String output = new String(unpack.getInputStream().readAllBytes());
        assertThat(unpack.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(unpack.exitValue()).as(output).isZero();
    }
}
