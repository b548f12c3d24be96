package io.kunlun.testkit.backup;

import com.fasterxml.jackson.databind.JsonNode;
import io.kunlun.core.ManagerException;
import io.kunlun.core.backup.binlog.BinlogArchive;
import io.kunlun.core.backup.binlog.BinlogReplay;
import io.kunlun.core.engines.GtidPosition;
import io.kunlun.core.engines.SqlClient;
import io.kunlun.core.hosts.LocalHost;
import io.kunlun.testkit.LoopbackMachine;
import io.kunlun.testkit.LoopbackMachines;
import io.kunlun.testkit.Reply;
import io.kunlun.testkit.TestManager;
import io.kunlun.testkit.cluster.ClusterFixture;
import io.kunlun.testkit.mariadb.MariaDbTestServer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static io.kunlun.testkit.cluster.ClusterFixture.primary;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Continuous binlog archiving and its replay through HTTP on a real rbr cluster of one shard,
 * with the store at its default place, {@code <home>/backups}: the archive starts with
 * create_cluster, grows with the writes, survives its archiver being killed, replays exactly up
 * to a second, and stays when the cluster is deleted.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BinlogArchiveTest {
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @RegisterExtension
    static TestManager manager = TestManager.builder()
            .configure(config -> config.withExposeCredentials(true).withHealthIntervalSeconds(1)).build();
    @RegisterExtension
    static LoopbackMachines loopback = LoopbackMachines.range("127.0.0.240", "127.0.0.240");
    static List<LoopbackMachine> machines;
    static String cluster;
    static JsonNode primary;
    static Path archive;

    @BeforeAll
    static void createCluster() throws Exception {
        machines = List.of(loopback.take());
        ClusterFixture.register(manager, machines);
        cluster = ClusterFixture.createdCluster(manager.client(), "rbr", 1, 1, 1, machines);
        primary = primary(manager.client(), cluster, "shard1");
        archive = manager.home().toAbsolutePath().normalize().resolve("backups").resolve(cluster).resolve("binlog").resolve("shard1")
                .resolve(primary.get("ip").asText() + "_" + primary.get("port").asText());
        ClusterFixture.createTable(primary);
    }

    @Test
    @Order(1)
    void theArchiveStartsWithTheClusterAndGrowsAsRowsAreWritten() throws Exception {
        await("the first binlog file is archived", () -> Files.exists(archive.resolve("binlog.000001")));
        long before = archivedBytes();

        write(1, 50);

        await("the archive grows with the writes", () -> archivedBytes() > before);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(archive.getParent().getParent()
                .resolve("archiver.cnf")))).isEqualTo("rw-------");
        assertThat(archiverCommandLines()).as("the password is in the defaults file, not on argv").hasSize(1)
                .allSatisfy(line -> assertThat(line).doesNotContain("password"));
        String password = Files.readString(archive.getParent().getParent().resolve("archiver.cnf")).lines()
                .filter(line -> line.startsWith("password=")).findFirst().orElseThrow().substring("password=".length());
        try (Connection sql = java.sql.DriverManager.getConnection("jdbc:mariadb://" + primary.get("ip").asText() + ":"
                + primary.get("port").asText() + "/", "kunlun_archive", password);
             Statement statement = sql.createStatement(); ResultSet grants = statement.executeQuery("SHOW GRANTS")) {
            grants.next();
            assertThat(grants.getString(1)).as("the archive account may read binlogs and nothing else")
                    .startsWith("GRANT REPLICATION SLAVE, BINLOG MONITOR ON *.* TO `kunlun_archive`@`127.%`");
            assertThat(grants.next()).isFalse();
        }
    }

    @Test
    @Order(2)
    void aKilledArchiverIsRestartedByTheManagerAndNothingIsMissing() throws Exception {
        long pid = archiverPid().orElseThrow();
        new ProcessBuilder("kill", "-KILL", String.valueOf(pid)).start().waitFor(10, TimeUnit.SECONDS);
        write(51, 100);

        await("another archiver runs", () -> archiverPid().filter(other -> other != pid).isPresent());
        await("every binlog file of the primary is archived whole", () -> primaryBinlogSizes().equals(archivedSizes()));
    }

    @Test
    @Order(3)
    void theLagIsAMetricAndListBackupsShowsTheArchivedSpan() throws Exception {
        await("the archive has caught up", () -> primaryBinlogSizes().equals(archivedSizes()));
        String lagLine = "kunlun_binlog_archive_lag_bytes{cluster=\"" + cluster + "\",shard=\"shard1\"} 0.0";
        await("the metric shows no lag", () -> metrics().lines().anyMatch(lagLine::equals));

        JsonNode archived = ClusterFixture.query(manager, "list_backups", cluster).get("archive");

        assertThat(archived).hasSize(1);
        JsonNode entry = archived.get(0);
        assertThat(entry.get("cluster").asText()).isEqualTo(cluster);
        assertThat(entry.get("lag_bytes").asText()).isEqualTo("0");
        LocalDateTime from = LocalDateTime.parse(entry.get("from").asText().replace(' ', 'T'));
        LocalDateTime until = LocalDateTime.parse(entry.get("until").asText().replace(' ', 'T'));
        assertThat(from).isBefore(until).isAfter(LocalDateTime.now().minusMinutes(10));
        assertThat(until).isBeforeOrEqualTo(LocalDateTime.now());
        assertThat(entry.get("shards").get(0).get("shard").asText()).isEqualTo("shard1");
    }

    @Test
    @Order(4)
    void aReplayAppliesExactlyTheTransactionsCommittedUpToTheSecond(@TempDir Path scratchFiles) throws Exception {
        writeAtNextSecond(1001);
        LocalDateTime until = writeAtNextSecond(1002);
        writeAtNextSecond(1003);
        await("the last write is archived", () -> primaryBinlogSizes().equals(archivedSizes()));
        BinlogReplay replay = replay();

        BinlogReplay.Range range = replay.check(cluster, "shard1", new GtidPosition(""), until);
        try (MariaDbTestServer scratch = MariaDbTestServer.start("127.0.0.242")) {
            try (Connection sql = scratch.connectAsAdmin(); Statement statement = sql.createStatement()) {
                statement.execute("CREATE USER replayer@'127.%' IDENTIFIED BY 'replay-secret'");
                statement.execute("GRANT ALL PRIVILEGES ON *.* TO replayer@'127.%' WITH GRANT OPTION");
            }
            replay.apply(range, new ScratchClient(scratch, scratchFiles), Duration.ofMinutes(2));

            try (Connection sql = scratch.connectAsAdmin(); Statement statement = sql.createStatement();
                 ResultSet rows = statement.executeQuery("SELECT COUNT(*), MAX(id) FROM app.t")) {
                rows.next();
                assertThat(rows.getInt(1)).as("rows 1..100, 1001 and 1002").isEqualTo(102);
                assertThat(rows.getInt(2)).isEqualTo(1002);
            }
        }
    }

    @Test
    @Order(5)
    void aTimeAfterTheLastArchivedTransactionIsRefused() {
        BinlogReplay replay = replay();
        LocalDateTime later = LocalDateTime.now().plusHours(1).truncatedTo(ChronoUnit.SECONDS);

        assertThatThrownBy(() -> replay.check(cluster, "shard1", new GtidPosition("0-1-3"), later))
                .isInstanceOf(ManagerException.class)
                .hasMessage("no binlog archive covers 0-1-3 to " + later.toString().replace('T', ' ')
                        + " for cluster " + cluster + " shard shard1");
    }

    @Test
    @Order(7)
    void anAddedShardIsArchivedAndADeletedShardsArchiverStopsKeepingItsFiles() throws Exception {
        Reply added = ClusterFixture.run(manager, ClusterFixture.machineList(ClusterFixture.job("add_shards", cluster)
                .put("shards", "1"), ClusterFixture.hostaddrs(machines)));
        assertThat(added.result()).as(added.toString()).isEqualTo("done");
        JsonNode shard2 = primary(manager.client(), cluster, "shard2");
        Path archive2 = archive.getParent().resolveSibling("shard2")
                .resolve(shard2.get("ip").asText() + "_" + shard2.get("port").asText());
        await("shard2's first binlog file is archived", () -> Files.exists(archive2.resolve("binlog.000001")));

        Reply deleted = ClusterFixture.run(manager, ClusterFixture.job("delete_shard", cluster).put("shard_name", "shard2"));

        assertThat(deleted.result()).as(deleted.toString()).isEqualTo("done");
        assertThat(archiverCommandLines(archive2)).isEmpty();
        assertThat(archive2.resolve("binlog.000001")).exists();
        assertThat(archiverCommandLines(archive)).as("shard1 goes on").hasSize(1);
    }

    @Test
    @Order(8)
    void deletingTheClusterStopsItsArchiverAndKeepsTheFiles() throws Exception {
        Map<String, Long> archived = archivedSizes();

        Reply deleted = ClusterFixture.deleteCluster(manager, cluster);

        assertThat(deleted.result()).as(deleted.toString()).isEqualTo("done");
        assertThat(archiverPid()).isEmpty();
        Thread.sleep(2500); // two health rounds: nothing starts it again
        assertThat(archiverPid()).isEmpty();
        assertThat(archivedSizes()).isEqualTo(archived);
    }

    @Test
    @Order(6)
    void aRestorePastAGapInTheArchiveIsRefusedNamingTheMissingFileAndNothingIsCreated(@TempDir Path aside)
            throws Exception {
        Reply backup = ClusterFixture.run(manager, BackupRequests.backup(cluster));
        assertThat(backup.result()).as(backup.toString()).isEqualTo("done");
        RestoreFixture.awaitSecondAfter(backup.info());
        for (int id = 2001; id <= 2003; id++) {
            write(id, id);
            ClusterFixture.asOperatorOnTheMachine(machines, primary, "FLUSH BINARY LOGS");
        }
        write(2004, 2004);
        String pointInTime = LocalDateTime.now().format(RestoreFixture.SECOND);
        RestoreFixture.awaitSecondAfter(pointInTime);
        write(2005, 2005);
        await("the last write is archived", () -> primaryBinlogSizes().equals(archivedSizes()));
        List<String> files = List.copyOf(archivedSizes().keySet());
        String middle = files.get(files.size() - 3);
        Files.move(archive.resolve(middle), aside.resolve(middle));
        try {
            List<JsonNode> clustersBefore = ClusterFixture.entries(ClusterFixture.query(manager, "get_cluster", null));

            Reply refused = ClusterFixture.run(manager, BackupRequests.restoreNew(pointInTime, cluster, machines));

            assertThat(refused.result()).as(refused.toString()).isEqualTo("failed");
            assertThat(refused.info()).startsWith("no binlog archive covers ").endsWith(" to " + pointInTime
                    + " for cluster " + cluster + " shard shard1: " + archive + " lacks " + middle
                    + " (a gap in the archive)");
            assertThat(ClusterFixture.entries(ClusterFixture.query(manager, "get_cluster", null)))
                    .isEqualTo(clustersBefore);
        } finally {
            Files.move(aside.resolve(middle), archive.resolve(middle));
        }
    }

    /** The replay over the manager's store, as a restore job would make it. */
    private static BinlogReplay replay() {
        return new BinlogReplay(new BinlogArchive(new LocalHost("127.0.0.1"),
                manager.home().resolve("backups").toString(), "/usr/bin/mariadb-binlog", ZoneId.systemDefault()));
    }

    private static String metrics() {
        return io.kunlun.testkit.ApiClient.to(manager.uri().resolve("/metrics")).send("GET").body();
    }

    private static void write(int from, int to) throws SQLException {
        try (Connection sql = ClusterFixture.mariadb(primary); Statement statement = sql.createStatement()) {
            statement.execute("INSERT INTO app.t SELECT seq, CONCAT('row ', seq) FROM app.seq_" + from + "_to_" + to);
        }
    }

    /** Writes one row early in the next second of the clock, and answers that second. */
    private static LocalDateTime writeAtNextSecond(int id) throws Exception {
        LocalDateTime now = LocalDateTime.now();
        LocalDateTime second = now.truncatedTo(ChronoUnit.SECONDS).plusSeconds(1);
        Thread.sleep(Duration.between(now, second).toMillis() + 100);
        write(id, id);
        LocalDateTime after = LocalDateTime.now();
        assertThat(after.truncatedTo(ChronoUnit.SECONDS)).as("the write took under a second").isEqualTo(second);
        return second;
    }

    private static long archivedBytes() {
        return archivedSizes().values().stream().mapToLong(Long::longValue).sum();
    }

    private static Map<String, Long> archivedSizes() {
        Map<String, Long> sizes = new LinkedHashMap<>();
        try (var files = Files.list(archive)) {
            for (Path file : files.sorted().toList()) {
                sizes.put(file.getFileName().toString(), Files.size(file));
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return sizes;
    }

    /** The primary's binlog files as its binlog directory holds them (the cluster's admin may not list them). */
    private static Map<String, Long> primaryBinlogSizes() {
        Map<String, Long> sizes = new LinkedHashMap<>();
        for (Path directory : ClusterFixture.instanceDirectories(machines, primary)) {
            try (var files = Files.list(directory)) {
                for (Path file : files.filter(file -> file.getFileName().toString().matches("binlog\\.\\d+"))
                        .sorted().toList()) {
                    sizes.put(file.getFileName().toString(), Files.size(file));
                }
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }
        return sizes;
    }

    private static List<String> archiverCommandLines() {
        return archiverCommandLines(archive);
    }

    /** The command lines of the processes writing into an archive directory. */
    private static List<String> archiverCommandLines(Path directory) {
        String table;
        try {
            Process ps = new ProcessBuilder("ps", "-ww", "-e", "-o", "pid=,args=").start();
            table = new String(ps.getInputStream().readAllBytes());
            ps.waitFor(10, TimeUnit.SECONDS);
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
        return table.lines().filter(line -> line.contains("--result-file=" + directory + "/")).toList();
    }

    private static Optional<Long> archiverPid() {
        return archiverCommandLines().stream().map(line -> Long.parseLong(line.strip().split("\\s+")[0])).findFirst();
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + PATIENCE.toSeconds() + " s: " + what);
            }
            Thread.sleep(200);
        }
    }

    /** The scratch server's admin through the mariadb client, its password in a defaults file. */
    private record ScratchClient(MariaDbTestServer server, Path directory) implements SqlClient {
        @Override
        public void execute(String sql) {
            execute(sql, Duration.ofMinutes(1));
        }

        @Override
        public void execute(String sql, Duration timeout) {
            try {
                Path defaults = directory.resolve("client.cnf");
                Files.writeString(defaults, "[client]\nuser=replayer\npassword=replay-secret\n");
                Process client = new ProcessBuilder("mariadb", "--defaults-file=" + defaults, "--host="
                        + server.address(), "--port=" + server.port(), "--batch").redirectErrorStream(true).start();
                client.getOutputStream().write(sql.getBytes());
                client.getOutputStream().close();
                String output = new String(client.getInputStream().readAllBytes());
                if (!client.waitFor(timeout.toSeconds(), TimeUnit.SECONDS) || client.exitValue() != 0) {
                    throw new ManagerException(ManagerException.Code.COMMAND_FAILED, "scratch client: " + output);
                }
            } catch (IOException | InterruptedException e) {
                throw new AssertionError(e);
            }
        }

        @Override
        public List<List<String>> rows(String sql) {
            throw new UnsupportedOperationException("the replay only executes");
        }

        @Override
        public boolean answers() {
            return true;
        }
    }
}
