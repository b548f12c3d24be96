package io.kunlun.testkit.meta;

import io.kunlun.core.ClusterManager;
import io.kunlun.core.ManagerException;
import io.kunlun.core.config.ManagerConfig.MetadataConfig;
import io.kunlun.testkit.TestPorts;
import io.kunlun.testkit.mariadb.MariaDbTestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * One manager at a time on a MariaDB metadata store (issue 9, item 5): the running one holds a
 * lease row, a second refuses to start naming it, and a lease left by a manager that is gone is
 * taken over once it has expired.
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
    void aSecondManagerOnTheSameStoreRefusesToStartNamingTheFirst() throws UnknownHostException {
        MetadataConfig store = freshStore();
        start(store, "first");

        assertThatThrownBy(() -> start(store, "second"))
                .isInstanceOf(ManagerException.class)
                .hasMessageStartingWith("metadata store " + store.jdbcUrl() + " is in use by another manager: host "
                        + InetAddress.getLocalHost().getHostName() + " pid " + ProcessHandle.current().pid()
                        + ", started ")
                .hasMessageContaining("; its last heartbeat was ")
                .hasMessageEndingWith(" s. Stop that manager first; one that is gone leaves its lease to expire");
    }

    @Test
    void theHeartbeatKeepsTheLeaseBeyondItsDuration() throws InterruptedException {
        MetadataConfig store = freshStore().withLeaseSeconds(3);
        start(store, "first");

        Thread.sleep(5_000);

        assertThatThrownBy(() -> start(store, "second")).hasMessageContaining("is in use by another manager");
    }

    @Test
    void aManagerThatStoppedLeavesTheStoreToTheNext() {
        MetadataConfig store = freshStore();
        start(store, "first").close();
        started.clear();

        assertThat(start(store, "second")).isNotNull();
    }

    @Test
    void anExpiredLeaseLeftByAManagerThatIsGoneIsTakenOver() throws SQLException {
        MetadataConfig store = freshStore();
        start(store, "first").close();
        started.clear();
        String database = store.jdbcUrl().substring(store.jdbcUrl().lastIndexOf('/') + 1);
        try (Connection admin = mariadb.connectAsAdmin(); Statement statement = admin.createStatement()) {
            statement.execute("INSERT INTO `" + database + "`.manager_lease (name, holder_id, holder_host, holder_pid,"
                    + " holder_started_at, heartbeat_at, expires_at) VALUES ('manager', 'gone', 'gone-host', 4242,"
                    + " 0, 1000, 31000)");
        }

        start(store, "second");

        try (Connection admin = mariadb.connectAsAdmin(); Statement statement = admin.createStatement();
             ResultSet holder = statement.executeQuery("SELECT holder_host, holder_pid FROM `" + database
                     + "`.manager_lease")) {
            assertThat(holder.next()).isTrue();
            assertThat(holder.getLong("holder_pid")).isEqualTo(ProcessHandle.current().pid());
            assertThat(holder.next()).isFalse();
        }
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
