package io.kunlun.core.engines;

import io.kunlun.core.ManagerException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static io.kunlun.core.engines.MariaDbInstanceTest.single;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A PostgreSQL comp (127.0.0.58) reaching two MariaDB shards (127.0.0.58 and 127.0.0.59)
 * through mysql_fdw, all real.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ShardLinksTest {
    private final ClusterUsers users = EngineFixture.users();
    private final EngineFixture first = new EngineFixture("127.0.0.58");
    private final EngineFixture second = new EngineFixture("127.0.0.59");
    private StorageNode shardA;
    private StorageNode shardB;
    private ComputeNode comp;
    private ShardLinks links;

    @BeforeAll
    void installShardsAndComp() throws SQLException {
        shardA = first.storageNode();
        shardB = second.storageNode();
        comp = first.computeNode();
        ExecutorService installers = Executors.newFixedThreadPool(3);
        try {
            CompletableFuture.allOf(
                    CompletableFuture.runAsync(() -> first.storage.install(first.standalone(shardA, users)), installers),
                    CompletableFuture.runAsync(() -> second.storage.install(second.standalone(shardB, users)), installers),
                    CompletableFuture.runAsync(() -> first.compute.install(first.computeInstall(comp, users)), installers))
                    .join();
        } finally {
            installers.shutdown();
        }
        for (StorageNode shard : List.of(shardA, shardB)) {
            onShard(shard, "CREATE DATABASE app",
                    "CREATE TABLE app.t (id INT PRIMARY KEY, v VARCHAR(40))",
                    "CREATE TABLE app.spread (id INT PRIMARY KEY, v VARCHAR(40))",
                    "INSERT INTO app.t VALUES (0, 'on " + shard.label() + "')");
        }
        links = new ShardLinks(first.compute, comp, "appdb", users.admin().user());
        links.add(ShardTarget.primary("shard1", shardA, users.admin()));
        links.add(ShardTarget.primary("shard2", shardB, users.admin()));
    }

    @AfterAll
    void removeEverything() {
        try (first) {
            second.close();
        }
    }

    @Test
    void eachShardIsLinkedToItsPrimary() {
        assertThat(links.list()).containsExactly(
                new LinkedShard("shard1", shardA.host().address(), shardA.ports().sql()),
                new LinkedShard("shard2", shardB.host().address(), shardB.ports().sql()));
    }

    @Test
    void aClientOfTheCompReadsAndWritesAShardsTableThroughAForeignTable() throws SQLException {
        try (Connection connection = ComputeEngineTest.connect(comp, "appdb", users.admin());
             Statement statement = connection.createStatement()) {
            statement.execute("CREATE FOREIGN TABLE t_on_shard1 (id int, v text) SERVER shard1"
                    + " OPTIONS (dbname 'app', table_name 't')");

            assertThat(single(statement, "SELECT v FROM t_on_shard1 WHERE id = 0")).isEqualTo("on " + shardA.label());

            statement.execute("INSERT INTO t_on_shard1 VALUES (1, 'written through the comp')");
            statement.execute("UPDATE t_on_shard1 SET v = v || ', then updated' WHERE id = 1");
        }
        try (Connection connection = MariaDbInstanceTest.connect(shardA, users.admin());
             Statement statement = connection.createStatement()) {
            assertThat(single(statement, "SELECT v FROM app.t WHERE id = 1")).isEqualTo("written through the comp, then updated");
        }
    }

    @Test
    void aTableSpreadOverShardsByForeignPartitionsIsReadWholeAndWrittenPerPartition() throws SQLException {
        try (Connection connection = ComputeEngineTest.connect(comp, "appdb", users.admin());
             Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE spread (id int, v text) PARTITION BY RANGE (id)");
            statement.execute("CREATE FOREIGN TABLE spread_1 PARTITION OF spread FOR VALUES FROM (MINVALUE) TO (100)"
                    + " SERVER shard1 OPTIONS (dbname 'app', table_name 'spread')");
            statement.execute("CREATE FOREIGN TABLE spread_2 PARTITION OF spread FOR VALUES FROM (100) TO (MAXVALUE)"
                    + " SERVER shard2 OPTIONS (dbname 'app', table_name 'spread')");
            // mysql_fdw modifies foreign tables but not through a partitioned parent: writes name the partition.
            statement.execute("INSERT INTO spread_1 SELECT n, 'row ' || n FROM generate_series(1, 5) AS n");
            statement.execute("INSERT INTO spread_2 SELECT n, 'row ' || n FROM generate_series(101, 103) AS n");
            statement.execute("UPDATE spread_2 SET v = 'updated' WHERE id = 102");

            assertThat(single(statement, "SELECT count(*) FROM spread")).isEqualTo("8");
            assertThat(single(statement, "SELECT v FROM spread WHERE id = 102")).isEqualTo("updated");
        }
        assertThat(countOnShard(shardA)).isEqualTo("5");
        assertThat(countOnShard(shardB)).isEqualTo("3");
    }

    @Test
    void repointingMovesALinkToAnotherInstanceEvenForOpenSessions() throws SQLException {
        links.add(ShardTarget.primary("moving", shardA, users.admin()));
        try (Connection connection = ComputeEngineTest.connect(comp, "appdb", users.admin());
             Statement statement = connection.createStatement()) {
            statement.execute("CREATE FOREIGN TABLE t_moving (id int, v text) SERVER moving OPTIONS (dbname 'app', table_name 't')");
            assertThat(single(statement, "SELECT v FROM t_moving WHERE id = 0")).isEqualTo("on " + shardA.label());

            links.repoint(ShardTarget.primary("moving", shardB, users.admin()));

            assertThat(single(statement, "SELECT v FROM t_moving WHERE id = 0")).isEqualTo("on " + shardB.label());
        }
        assertThat(links.list()).contains(new LinkedShard("moving", shardB.host().address(), shardB.ports().sql()));
    }

    @Test
    void repointingAShardThatIsNotLinkedIsRefused() {
        assertThatThrownBy(() -> links.repoint(ShardTarget.primary("shard9", shardB, users.admin())))
                .isInstanceOf(ManagerException.class)
                .hasMessage(comp.label() + ": no shard shard9 is linked");
    }

    @Test
    void removingALinkDropsItsServerAndRemovingItAgainSucceeds() {
        links.add(ShardTarget.primary("leaving", shardB, users.admin()));

        links.remove("leaving");
        links.remove("leaving");

        assertThat(links.list()).extracting(LinkedShard::name).doesNotContain("leaving");
    }

    @Test
    void addingALinkAgainConverges() {
        links.add(ShardTarget.primary("twice", shardA, users.admin()));
        links.add(ShardTarget.primary("twice", shardB, users.admin()));

        assertThat(links.list()).contains(new LinkedShard("twice", shardB.host().address(), shardB.ports().sql()));
        links.remove("twice");
    }

    private void onShard(StorageNode shard, String... statements) throws SQLException {
        try (Connection connection = MariaDbInstanceTest.connect(shard, users.admin());
             Statement statement = connection.createStatement()) {
            for (String sql : statements) {
                statement.execute(sql);
            }
        }
    }

    private String countOnShard(StorageNode shard) throws SQLException {
        try (Connection connection = MariaDbInstanceTest.connect(shard, users.admin());
             Statement statement = connection.createStatement()) {
            return single(statement, "SELECT COUNT(*) FROM app.spread");
        }
    }
}
