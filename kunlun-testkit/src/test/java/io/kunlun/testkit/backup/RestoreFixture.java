package io.kunlun.testkit.backup;

import com.fasterxml.jackson.databind.JsonNode;
import io.kunlun.testkit.ApiClient;
import io.kunlun.testkit.cluster.ClusterFixture;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.stream.Stream;

import static io.kunlun.testkit.cluster.ClusterFixture.primary;
import static org.assertj.core.api.Assertions.assertThat;

/** What the restore tests write, wait for and read: rows on shards, a table spread over them, the archive's reach. */
final class RestoreFixture {
    /** Rows of shard2 are numbered from here: the spread table's boundary between the shards. */
    static final int SHARD2_FIRST_ID = 1_000_000;
    /** A second as timestamps and backup times are written. */
    static final DateTimeFormatter SECOND = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    private RestoreFixture() {
    }

    /** {@code count} rows numbered from {@code first} in {@code app.t} of the cluster's shard, written on its primary. */
    static void insertRows(ApiClient client, String cluster, String shard, int first, int count) throws SQLException {
        try (Connection sql = ClusterFixture.mariadb(primary(client, cluster, shard));
             Statement statement = sql.createStatement()) {
            statement.execute("CREATE DATABASE IF NOT EXISTS app");
            statement.execute("CREATE TABLE IF NOT EXISTS app.t (id INT PRIMARY KEY, v VARCHAR(40))");
            statement.execute("INSERT INTO app.t SELECT seq, CONCAT('row ', seq) FROM app.seq_" + first + "_to_"
                    + (first + count - 1));
        }
    }

    /**
     * Through the comp: {@code spread}, partitioned by id over shard1's and shard2's {@code app.t}
     * at {@link #SHARD2_FIRST_ID}; answers how many rows it shows.
     */
    static String spreadTable(JsonNode comp) throws SQLException {
        try (Connection sql = ClusterFixture.postgres(comp); Statement statement = sql.createStatement()) {
            statement.execute("CREATE TABLE spread (id int, v text) PARTITION BY RANGE (id)");
            statement.execute("CREATE FOREIGN TABLE spread_1 PARTITION OF spread FOR VALUES FROM (MINVALUE) TO ("
                    + SHARD2_FIRST_ID + ") SERVER shard1 OPTIONS (dbname 'app', table_name 't')");
            statement.execute("CREATE FOREIGN TABLE spread_2 PARTITION OF spread FOR VALUES FROM ("
                    + SHARD2_FIRST_ID + ") TO (MAXVALUE) SERVER shard2 OPTIONS (dbname 'app', table_name 't')");
            return value(statement, "SELECT count(*) FROM spread");
        }
    }

    /** Waits until the manager's clock (this one's) is past the second. */
    static void awaitSecondAfter(String second) throws InterruptedException {
        LocalDateTime next = LocalDateTime.parse(second, SECOND).plusSeconds(1);
        while (LocalDateTime.now().isBefore(next)) {
            Thread.sleep(50);
        }
    }

    /** Waits (at most 60 s) until every shard's archive of the cluster holds events of a second after {@code second}. */
    static void awaitArchivedPast(ApiClient client, String cluster, String second) throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (true) {
            JsonNode archive = ClusterFixture.query(client, "list_backups", cluster).get("archive");
            String until = archive.size() == 1 ? archive.get(0).path("until").asText("") : "";
            if (!until.isEmpty() && until.compareTo(second) > 0) {
                return;
            }
            assertThat(System.nanoTime()).as("the archive of " + cluster + " past " + second + ": " + archive)
                    .isLessThan(deadline);
            Thread.sleep(200);
        }
    }

    /**
     * The oldest backup's directory in a cluster's directory of the store, which also holds
     * the cluster's binlog archive and the copies restore_cluster kept aside.
     */
    static Path oldestBackup(Path clusterDirectory) throws IOException {
        try (Stream<Path> entries = Files.list(clusterDirectory)) {
            return entries.filter(entry -> entry.getFileName().toString().matches("\\d{8}T\\d{6}Z")).sorted()
                    .findFirst().orElseThrow(() -> new AssertionError(clusterDirectory + " holds no backup"));
        }
    }

    /** A comp's foreign server options as pg_foreign_server shows them for a shard's primary. */
    static String serverOptions(JsonNode primary) {
        return "host=" + primary.get("ip").asText() + ",port=" + primary.get("port").asText();
    }

    /** The first column of the first row the query answers. */
    static String value(Statement statement, String query) throws SQLException {
        try (ResultSet rows = statement.executeQuery(query)) {
            assertThat(rows.next()).isTrue();
            return rows.getString(1);
        }
    }

    /** A statement on a storage node, as the cluster's admin. */
    static void execute(JsonNode node, String sql) throws SQLException {
        try (Connection connection = ClusterFixture.mariadb(node); Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }
}
