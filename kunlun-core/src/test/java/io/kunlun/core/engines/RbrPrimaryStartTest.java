package io.kunlun.core.engines;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

import static io.kunlun.core.engines.MariaDbInstanceTest.connect;
import static io.kunlun.core.engines.MariaDbInstanceTest.single;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * An rbr primary takes writes once the manager opens it, never merely because it started
 * (127.0.0.60, real MariaDB): an old primary started again by anyone after a failover replaced
 * it must not accept writes beside the new one.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RbrPrimaryStartTest {
    private final ClusterUsers users = EngineFixture.users();
    private EngineFixture machine;
    private StorageNode primary;

    @BeforeAll
    void installAPrimary() {
        machine = new EngineFixture("127.0.0.60");
        primary = machine.storageNode();
        machine.storage.install(new StorageInstall(primary, new StorageSettings(1, 64, 100), ReplicationMode.rbrPrimary(),
                users, EngineFixture.MAKER));
    }

    @AfterAll
    void removeIt() {
        machine.close();
    }

    @Test
    void aNewPrimaryIsOpenedToWritesButStartsReadOnlyAgainAfterARestart() throws SQLException {
        assertThat(readOnly()).isEqualTo("0");

        machine.storage.stop(primary);
        machine.storage.start(primary);

        assertThat(readOnly()).isEqualTo("1");
        machine.storage.setReadOnly(primary, false);
        assertThat(readOnly()).isEqualTo("0");
    }

    private String readOnly() throws SQLException {
        try (Connection connection = connect(primary, users.admin()); Statement statement = connection.createStatement()) {
            return single(statement, "SELECT @@read_only");
        }
    }
}
