package io.kunlun.testkit.meta;

import io.kunlun.core.ClusterManager;
import io.kunlun.core.Caller;
import io.kunlun.core.ManagerException;
import io.kunlun.core.config.ManagerConfig.MetadataConfig;
import io.kunlun.core.meta.MetadataStore;
import io.kunlun.model.MetaNode;
import io.kunlun.model.job.JobType;
import io.kunlun.model.job.WireFormat;
import io.kunlun.testkit.TestPorts;
import io.kunlun.testkit.mariadb.MariaDbTestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

/**
 * Leader election on a MariaDB metadata store (issue 13): every manager starts, one leads by a
 * lease row with a fencing number, the others follow; a manager that stops hands the lead on at
 * once, and a lease left by a manager that is gone is taken over once it has expired, with a
 * higher fencing number.
 */
class ManagerLeaseTest {
    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static MariaDbTestServer mariadb;

    @TempDir
    Path homes;

    private final List<ClusterManager> started = new ArrayList<>();

    @BeforeAll
    static void startMariaDb() {
        mariadb = MariaDbTestServer.start("127.0.0.160");
    }

    @AfterAll
    static void stopMariaDb() {
        if (mariadb != null) {
            mariadb.close();
        }
    }

    @AfterEach
    void closeManagers() {
        started.forEach(ClusterManager::close);
    }

    @Test
    void aSecondManagerOnTheSameStoreStartsAsAFollowerOfTheFirst() {
        MetadataConfig store = freshStore();
        ClusterManager first = start(store, "first");
        ClusterManager second = start(store, "second");

        assertThat(first.leading()).contains(1L);
        assertThat(second.leading()).isEmpty();
        assertThat(managers(second)).extracting(m -> m.get("role"), m -> m.get("fencing"))
                .containsExactly(tuple("leader", "1"), tuple("follower", "0"));
    }

    @Test
    void theHeartbeatKeepsTheLeadBeyondTheLeasesDuration() throws InterruptedException {
        MetadataConfig store = freshStore().withLeaseSeconds(3);
        ClusterManager first = start(store, "first");
        ClusterManager second = start(store, "second");

        Thread.sleep(5_000);

        assertThat(first.leading()).contains(1L);
        assertThat(second.leading()).isEmpty();
    }

    @Test
    void aManagerThatStopsHandsTheLeadToAFollowerWithTheNextFencingNumber() throws InterruptedException {
        MetadataConfig store = freshStore();
        ClusterManager first = start(store, "first");
        ClusterManager second = start(store, "second");

        started.remove(first);
        first.close();

        assertThat(awaitLead(second)).isEqualTo(2L);
        assertThat(managers(second)).singleElement().satisfies(m -> assertThat(m.get("role")).isEqualTo("leader"));
    }

    @Test
    void anExpiredLeaseLeftByAManagerThatIsGoneIsTakenOverWithAHigherFencingNumber() throws SQLException {
        MetadataConfig store = freshStore();
        start(store, "first").close();
        started.clear();
        String database = store.jdbcUrl().substring(store.jdbcUrl().lastIndexOf('/') + 1);
        try (Connection admin = mariadb.connectAsAdmin(); Statement statement = admin.createStatement()) {
            statement.execute("UPDATE `" + database + "`.manager_lease SET holder_id = 'gone', holder_host = 'gone-host',"
                    + " holder_pid = 4242, heartbeat_at = 1000, expires_at = 31000, fencing = 41");
        }

        ClusterManager second = start(store, "second");

        assertThat(second.leading()).contains(42L);
        try (Connection admin = mariadb.connectAsAdmin(); Statement statement = admin.createStatement();
             ResultSet holder = statement.executeQuery("SELECT holder_pid, fencing FROM `" + database
                     + "`.manager_lease")) {
            assertThat(holder.next()).isTrue();
            assertThat(holder.getLong("holder_pid")).isEqualTo(ProcessHandle.current().pid());
            assertThat(holder.getLong("fencing")).isEqualTo(42L);
            assertThat(holder.next()).isFalse();
        }
    }

    @Test
    void aJobStepOfATermThatIsOverIsRefusedAndTheCurrentTermIsRecordedWithIt() throws SQLException {
        MetadataConfig config = freshStore();
        String database = config.jdbcUrl().substring(config.jdbcUrl().lastIndexOf('/') + 1);
        try (MetadataStore store = MetadataStore.open(config, homes.resolve("direct"), new MetaNode("127.0.0.1", 57000))) {
            store.jobs().insert("j1", JobType.CREATE_MACHINE, "tester", "{}", "machine:127.0.0.143", "queued");
            try (Connection admin = mariadb.connectAsAdmin(); Statement statement = admin.createStatement()) {
                statement.execute("INSERT INTO `" + database + "`.manager_lease (name, holder_id, holder_host,"
                        + " holder_pid, holder_started_at, heartbeat_at, expires_at, fencing)"
                        + " VALUES ('manager', 'new', 'new-host', 4242, 0, 0, 0, 8)");
            }

            store.jobs().checkFence("j1", 8);
            assertThatThrownBy(() -> store.jobs().checkFence("j1", 7))
                    .isInstanceOf(ManagerException.class)
                    .hasMessage("job j1: step refused: this manager's term as leader (fencing number 7) is over");
            assertThat(store.jobs().fencing("j1")).isEqualTo(8L);
        }
    }

    private static long awaitLead(ClusterManager manager) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (manager.leading().isEmpty()) {
            assertThat(System.nanoTime()).as("the manager never led").isLessThan(deadline);
            Thread.sleep(50);
        }
        return manager.leading().get();
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> managers(ClusterManager manager) {
        byte[] request = "{\"job_type\":\"list_managers\"}".getBytes(StandardCharsets.UTF_8);
        Map<String, Object> reply = manager.handle(WireFormat.parse(request), Caller.IN_PROCESS);
        return (List<Map<String, Object>>) reply.get("managers");
    }

    private MetadataConfig freshStore() {
        return new MetadataConfig(mariadb.createDatabase("lease_" + DATABASES.incrementAndGet()), mariadb.user(),
                mariadb.password());
    }

    private ClusterManager start(MetadataConfig store, String name) {
        ClusterManager manager = ClusterManager.open(TestPorts.managerConfig(homes.resolve(name)).withMetadata(store));
        started.add(manager);
        return manager;
    }
}
