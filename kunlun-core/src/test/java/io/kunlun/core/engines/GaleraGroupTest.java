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

import static io.kunlun.core.engines.MariaDbInstanceTest.connect;
import static io.kunlun.core.engines.MariaDbInstanceTest.single;
import static org.assertj.core.api.Assertions.assertThat;

/** A Galera group of three MariaDB members on 127.0.0.55, 127.0.0.56 and 127.0.0.57, real. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GaleraGroupTest {
    private final ClusterUsers users = EngineFixture.users();
    private final List<EngineFixture> machines = new ArrayList<>();
    private final List<StorageNode> members = new ArrayList<>();
    private StorageEngine engine;

    @BeforeAll
    void formTheGroup() {
        for (String address : List.of("127.0.0.55", "127.0.0.56", "127.0.0.57")) {
            EngineFixture machine = new EngineFixture(address);
            machines.add(machine);
            members.add(machine.storageNode());
        }
        engine = machines.get(0).storage;
        for (int i = 0; i < members.size(); i++) {
            ReplicationMode mode = i == 0 ? ReplicationMode.groupBootstrap("shard1", members)
                    : ReplicationMode.groupJoiner("shard1", members);
            engine.install(new StorageInstall(members.get(i), new StorageSettings(1 + i, 64, 100), mode, users,
                    EngineFixture.MAKER));
        }
    }

    @AfterAll
    void removeEverything() {
        machines.forEach(EngineFixture::close);
    }

    @Test
    void everyMemberSeesAGroupOfThreeAndIsSynced() {
        for (StorageNode member : members) {
            engine.awaitGroup(member, 3);

            GroupStatus status = engine.groupStatus(member);
            assertThat(status.size()).isEqualTo(3);
            assertThat(status.synced()).as(member.label() + " " + status).isTrue();
        }
    }

    @Test
    void aWriteOnOneMemberIsReadOnTheOthers() throws Exception {
        execute(members.get(0), "CREATE DATABASE group_data",
                "CREATE TABLE group_data.t (id INT PRIMARY KEY, v VARCHAR(20))",
                "INSERT INTO group_data.t VALUES (1, 'from the first')");
        execute(members.get(2), "INSERT INTO group_data.t VALUES (3, 'from the third')");

        assertThat(awaitValue(members.get(2), "SELECT v FROM group_data.t WHERE id = 1")).isEqualTo("from the first");
        assertThat(awaitValue(members.get(1), "SELECT v FROM group_data.t WHERE id = 1")).isEqualTo("from the first");
        assertThat(awaitValue(members.get(0), "SELECT v FROM group_data.t WHERE id = 3")).isEqualTo("from the third");
    }

    @Test
    void aStoppedMemberRejoinsAndCatchesUpWithWhatItMissed() throws Exception {
        StorageNode stopped = members.get(1);
        assertThat(engine.stop(stopped)).isTrue();
        engine.awaitGroup(members.get(0), 2);
        execute(members.get(0), "CREATE DATABASE while_away",
                "CREATE TABLE while_away.t (id INT PRIMARY KEY)", "INSERT INTO while_away.t VALUES (5)");

        assertThat(engine.start(stopped)).isEqualTo(StartOutcome.STARTED);
        engine.awaitGroup(stopped, 3);

        assertThat(awaitValue(stopped, "SELECT id FROM while_away.t")).isEqualTo("5");
    }

    private void execute(StorageNode member, String... statements) throws SQLException {
        try (Connection connection = connect(member, users.admin()); Statement statement = connection.createStatement()) {
            for (String sql : statements) {
                statement.execute(sql);
            }
        }
    }

    /** Other members apply a write set after its commit is certified: it may need a moment to show. */
    private String awaitValue(StorageNode member, String query) throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        try (Connection connection = connect(member, users.admin()); Statement statement = connection.createStatement()) {
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
