package io.kunlun.core.engines;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static io.kunlun.core.engines.MariaDbInstanceTest.connect;
import static io.kunlun.core.engines.MariaDbInstanceTest.single;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** An rbr shard of one primary (127.0.0.52) and two replicas (127.0.0.53, 127.0.0.54), real MariaDB. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RbrReplicationTest {
    private final ClusterUsers users = EngineFixture.users();
    private final List<EngineFixture> machines = new ArrayList<>();
    private StorageEngine engine;
    private StorageNode primary;
    private final List<StorageNode> replicas = new ArrayList<>();

    @BeforeAll
    void installTheShard() {
        for (String address : List.of("127.0.0.52", "127.0.0.53", "127.0.0.54")) {
            machines.add(new EngineFixture(address));
        }
        engine = machines.get(0).storage;
        primary = machines.get(0).storageNode();
        replicas.add(machines.get(1).storageNode());
        replicas.add(machines.get(2).storageNode());
        // Instances are independent until they replicate: install them side by side.
        ExecutorService installers = Executors.newFixedThreadPool(3);
        try {
            CompletableFuture.allOf(
                    CompletableFuture.runAsync(() -> engine.install(new StorageInstall(primary,
                            new StorageSettings(1, 64, 100), ReplicationMode.rbrPrimary(), users, EngineFixture.MAKER)), installers),
                    CompletableFuture.runAsync(() -> engine.install(new StorageInstall(replicas.get(0),
                            new StorageSettings(2, 64, 100), ReplicationMode.rbrReplica(), users, EngineFixture.MAKER)), installers),
                    CompletableFuture.runAsync(() -> engine.install(new StorageInstall(replicas.get(1),
                            new StorageSettings(3, 64, 100), ReplicationMode.rbrReplica(), users, EngineFixture.MAKER)), installers)).join();
        } finally {
            installers.shutdown();
        }
        for (StorageNode replica : replicas) {
            engine.attachReplica(replica, primary, users.replication());
        }
    }

    @AfterAll
    void removeEverything() {
        machines.forEach(EngineFixture::close);
    }

    @Test
    void eachReplicaFollowsThePrimary() {
        for (StorageNode replica : replicas) {
            ReplicaStatus status = engine.replicaStatus(replica);

            assertThat(status.running()).as(replica.label() + " replicating").isTrue();
            assertThat(status.primaryHost()).isEqualTo(primary.host().address());
            assertThat(status.primaryPort()).isEqualTo(primary.ports().sql());
        }
    }

    @Test
    void theHealthProbeFindsEachReplicaReadOnlyWithThePrimaryAsItsSource() {
        for (StorageNode replica : replicas) {
            assertThat(engine.replicationState(replica)).as(replica.label())
                    .contains(new ReplicationState(primary.host().address(), true));
        }
    }

    @Test
    void theHealthProbeFindsThePrimaryWritableWithoutASource() {
        assertThat(engine.replicationState(primary)).contains(new ReplicationState("", false));
    }

    @Test
    void aNodeWithoutARunningServerHasNoReplicationState() {
        String nowhere = machines.get(0).root + "/never-installed";
        StorageNode absent = new StorageNode(primary.host(), primary.ports(),
                StorageLayout.under(nowhere + "/data", nowhere + "/log", nowhere + "/wal", primary.ports().sql()), "");

        assertThat(engine.replicationState(absent)).isEmpty();
    }

    @Test
    void aRowWrittenOnThePrimaryIsReadOnEveryReplica() throws SQLException, InterruptedException {
        try (Connection connection = connect(primary, users.admin()); Statement statement = connection.createStatement()) {
            statement.execute("CREATE DATABASE shard_data");
            statement.execute("CREATE TABLE shard_data.t (id INT PRIMARY KEY, v VARCHAR(20))");
            statement.execute("INSERT INTO shard_data.t VALUES (7, 'seven')");
        }

        for (StorageNode replica : replicas) {
            assertThat(awaitValue(replica, "SELECT v FROM shard_data.t WHERE id = 7")).as(replica.label()).isEqualTo("seven");
        }
    }

    @Test
    void replicasRefuseWritesEvenFromTheAdmin() throws SQLException {
        for (StorageNode replica : replicas) {
            try (Connection connection = connect(replica, users.admin()); Statement statement = connection.createStatement()) {
                assertThat(single(statement, "SELECT @@read_only")).isEqualTo("1");
                assertThatThrownBy(() -> statement.execute("CREATE DATABASE written_on_a_replica"))
                        .hasMessageContaining("--read-only option");
            }
        }
    }

    @Test
    void thePrimaryCommitsSemiSynchronouslyWithBothReplicas() throws SQLException {
        try (Connection connection = connect(primary, users.admin()); Statement statement = connection.createStatement()) {
            assertThat(single(statement, "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS"
                    + " WHERE VARIABLE_NAME = 'RPL_SEMI_SYNC_MASTER_STATUS'")).isEqualTo("ON");
            assertThat(single(statement, "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS"
                    + " WHERE VARIABLE_NAME = 'RPL_SEMI_SYNC_MASTER_CLIENTS'")).isEqualTo("2");
        }
    }

    /** Replicas apply after they acknowledge: a row may need a moment to show. */
    private String awaitValue(StorageNode node, String query) throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        try (Connection connection = connect(node, users.admin()); Statement statement = connection.createStatement()) {
            while (true) {
                try {
                    return single(statement, query);
                } catch (SQLException | AssertionError notYet) {
                    if (System.nanoTime() > deadline) {
                        throw notYet;
                    }
                    Thread.sleep(100);
                }
            }
        }
    }
}
