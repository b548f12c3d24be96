package io.kunlun.testkit.meta;

import io.kunlun.core.ClusterManager;
import io.kunlun.core.config.ManagerConfig.MetadataConfig;
import io.kunlun.core.meta.MetadataStore;
import io.kunlun.model.HaMode;
import io.kunlun.model.Machine;
import io.kunlun.model.MetaNode;
import io.kunlun.model.MetaStoreInfo;
import io.kunlun.testkit.TestPorts;
import io.kunlun.testkit.mariadb.GaleraTestCluster;
import io.kunlun.testkit.mariadb.MariaDbTestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** A metadata store on a 3-node Galera cluster: get_meta_mode says mgr and get_meta lists the 3 nodes. */
class GaleraMetadataStoreTest {
    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static GaleraTestCluster cluster;

    @TempDir
    Path home;

    private final List<MetadataStore> opened = new ArrayList<>();

    @BeforeAll
    static void startCluster() {
        long started = System.nanoTime();
        cluster = MariaDbTestServer.startGaleraCluster(List.of("127.0.0.43", "127.0.0.44", "127.0.0.45"));
        System.out.printf("3-node Galera cluster started in %.1f s%n", (System.nanoTime() - started) / 1e9);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @AfterEach
    void closeStores() {
        opened.forEach(MetadataStore::close);
    }

    @Test
    void aStoreOnTheClusterIsMgrListingEveryNode() {
        MetaStoreInfo info = open(cluster.jdbcUrl()).describe();

        assertThat(info.mode()).isEqualTo(HaMode.MGR);
        assertThat(info.nodes()).containsExactlyElementsOf(cluster.nodes().stream()
                .map(node -> new MetaNode(node.address(), node.port())).toList());
    }

    @Test
    void everyNodeTellsTheSame() {
        for (MariaDbTestServer node : cluster.nodes()) {
            MetaStoreInfo info = open(node.jdbcUrl()).describe();

            assertThat(info.mode()).isEqualTo(HaMode.MGR);
            assertThat(info.nodes()).hasSize(3);
        }
    }

    @Test
    void whatOneNodeStoresAnotherReads() {
        Machine machine = new Machine("127.0.0.2", "rack1", List.of("/data"), List.of("/log"), List.of("/wal"),
                List.of("/comp"), 4096, 8);
        List<MariaDbTestServer> nodes = cluster.nodes();

        open(nodes.get(0).jdbcUrl()).machines().insert(machine, List.of());

        assertThat(open(nodes.get(2).jdbcUrl()).machines().find("127.0.0.2")).contains(machine);
    }

    @Test
    void whileAManagerLeadsThroughOneNodeAManagerOnAnotherNodeFollowsIt() {
        List<MariaDbTestServer> nodes = cluster.nodes();
        String database = freshDatabase();
        try (ClusterManager first = startManager(nodes.get(0), database, "first");
             ClusterManager second = startManager(nodes.get(1), database, "second")) {
            assertThat(first.leading()).contains(1L);
            assertThat(second.leading()).isEmpty();
        }
    }

    /** Each applies the migrations to a fresh database through its own node, at the same time. */
    @Test
    void managersStartingAtOnceOnTwoNodesLeaveExactlyOneLeading() throws Exception {
        List<MariaDbTestServer> nodes = cluster.nodes();
        String database = freshDatabase();
        ExecutorService starts = Executors.newFixedThreadPool(2);
        CountDownLatch ready = new CountDownLatch(2);
        List<Future<ClusterManager>> managers = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            MariaDbTestServer node = nodes.get(i);
            String name = "at-once-" + i;
            managers.add(starts.submit(() -> {
                ready.countDown();
                ready.await();
                return startManager(node, database, name);
            }));
        }
        List<ClusterManager> running = new ArrayList<>();
        try {
            for (Future<ClusterManager> manager : managers) {
                running.add(manager.get(1, TimeUnit.MINUTES));
            }
            // A take that lost Galera's certification is tried again at the next heartbeat.
            Thread.sleep(3_000);
            assertThat(running).filteredOn(manager -> manager.leading().isPresent()).hasSize(1);
        } finally {
            running.forEach(ClusterManager::close);
            starts.shutdownNow();
        }
    }

    /**
     * The schema lock holds across the group: while a manager on the first node holds it (here a
     * row as a manager writes it, which nobody renews, so it expires after 10 s), a manager on the
     * second node applies no migration; it takes the lock over once expired and applies them all.
     */
    @Test
    void whileTheSchemaLockIsHeldThroughOneNodeAManagerOnAnotherNodeAppliesNoMigration() throws Exception {
        List<MariaDbTestServer> nodes = cluster.nodes();
        String database = freshDatabase();
        MariaDbTestServer holder = nodes.get(0);
        try (Connection connection = connect(holder, database); Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE schema_lock (name VARCHAR(32) NOT NULL PRIMARY KEY,"
                    + " holder_id VARCHAR(64) NOT NULL, holder_host VARCHAR(255) NOT NULL,"
                    + " holder_pid BIGINT NOT NULL, expires_at BIGINT NOT NULL)");
            statement.execute("INSERT INTO schema_lock VALUES ('migrations', 'elsewhere', 'elsewhere.example', 1,"
                    + " UNIX_TIMESTAMP(NOW(3)) * 1000 + 10000)");
        }
        MariaDbTestServer other = nodes.get(1);
        ExecutorService starting = Executors.newSingleThreadExecutor();
        try {
            Future<MetadataStore> store = starting.submit(() -> open(other.jdbcUrl(database)));

            Thread.sleep(5_000);
            assertThat(tables(holder, database)).containsExactly("schema_lock");

            assertThat(store.get(2, TimeUnit.MINUTES).appliedMigrations()).isEqualTo(MetadataStore.knownMigrations());
        } finally {
            starting.shutdownNow();
        }
    }

    private static Connection connect(MariaDbTestServer node, String database) throws SQLException {
        return DriverManager.getConnection(node.jdbcUrl(database), node.user(), node.password());
    }

    private static List<String> tables(MariaDbTestServer node, String database) throws SQLException {
        List<String> tables = new ArrayList<>();
        try (Connection connection = connect(node, database); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT table_name FROM information_schema.tables"
                     + " WHERE table_schema = DATABASE() ORDER BY table_name")) {
            while (rows.next()) {
                tables.add(rows.getString(1));
            }
        }
        return tables;
    }

    private static String freshDatabase() {
        String database = "lease_" + DATABASES.incrementAndGet();
        cluster.nodes().get(0).createDatabase(database);
        return database;
    }

    private ClusterManager startManager(MariaDbTestServer node, String database, String name) {
        return ClusterManager.open(TestPorts.managerConfig(home.resolve(name))
                .withMetadata(new MetadataConfig(node.jdbcUrl(database), node.user(), node.password())));
    }

    private MetadataStore open(String jdbcUrl) {
        MariaDbTestServer first = cluster.nodes().get(0);
        MetadataStore store = MetadataStore.open(new MetadataConfig(jdbcUrl, first.user(), first.password()),
                home, new MetaNode("127.0.0.1", 57000));
        opened.add(store);
        return store;
    }
}
