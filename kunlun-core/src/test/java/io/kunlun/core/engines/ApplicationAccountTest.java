package io.kunlun.core.engines;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

import static io.kunlun.core.engines.MariaDbInstanceTest.single;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The cluster's admin is the applications' account: everything on their data, nothing that
 * reaches the machine, the server's settings or other accounts. Real instances on 127.0.0.203.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ApplicationAccountTest {
    private static final String ADDRESS = "127.0.0.203";

    private final ClusterUsers users = EngineFixture.users();
    private EngineFixture machine;
    private StorageNode storage;
    private ComputeNode comp;

    @BeforeAll
    void installOneInstanceOfEach() {
        machine = new EngineFixture(ADDRESS);
        storage = machine.storageNode();
        machine.storage.install(machine.standalone(storage, users));
        comp = machine.computeNode();
        machine.compute.install(machine.computeInstall(comp, users));
    }

    @AfterAll
    void removeEverything() {
        machine.close();
    }

    @Test
    void onMariaDbItWorksWithItsDataInAnyDatabase() throws SQLException {
        try (Connection connection = MariaDbInstanceTest.connect(storage, users.admin());
             Statement statement = connection.createStatement()) {
            statement.execute("CREATE DATABASE shop");
            statement.execute("CREATE TABLE shop.items (id INT PRIMARY KEY, name VARCHAR(20))");
            statement.execute("INSERT INTO shop.items VALUES (1, 'pen')");
            statement.execute("CREATE VIEW shop.names AS SELECT name FROM shop.items");
            statement.execute("CREATE PROCEDURE shop.count_items() SELECT COUNT(*) FROM shop.items");
            statement.execute("CREATE TRIGGER shop.upper BEFORE INSERT ON shop.items FOR EACH ROW"
                    + " SET NEW.name = UPPER(NEW.name)");
            statement.execute("INSERT INTO shop.items VALUES (2, 'ink')");

            assertThat(single(statement, "SELECT GROUP_CONCAT(name ORDER BY name) FROM shop.names")).isEqualTo("INK,pen");
            statement.execute("DROP DATABASE shop");
        }
    }

    @Test
    void onMariaDbItCannotWriteFilesOnTheMachine() throws SQLException {
        try (Connection connection = MariaDbInstanceTest.connect(storage, users.admin());
             Statement statement = connection.createStatement()) {
            assertThatThrownBy(() -> statement.execute("SELECT 1 INTO OUTFILE '" + machine.root + "/out.txt'"))
                    .hasMessageContaining("Access denied; you need (at least one of) the FILE privilege(s)");
        }
        assertThat(machine.exists(machine.root + "/out.txt")).isFalse();
    }

    @Test
    void onMariaDbItCannotChangeTheServersSettings() throws SQLException {
        try (Connection connection = MariaDbInstanceTest.connect(storage, users.admin());
             Statement statement = connection.createStatement()) {
            assertThatThrownBy(() -> statement.execute("SET GLOBAL max_connections = 5"))
                    .hasMessageContaining("Access denied; you need (at least one of) the SUPER");
        }
        assertThat(machine.storage.variable(storage, "max_connections")).isEqualTo("100");
    }

    @Test
    void onMariaDbItCannotMakeAccountsOrRolesNorWriteThePrivilegeTables() throws SQLException {
        try (Connection connection = MariaDbInstanceTest.connect(storage, users.admin());
             Statement statement = connection.createStatement()) {
            assertThatThrownBy(() -> statement.execute("CREATE ROLE app_role"))
                    .hasMessageContaining("Access denied; you need (at least one of) the CREATE USER privilege(s)");
            assertThatThrownBy(() -> statement.execute("CREATE USER 'other'@'%' IDENTIFIED BY 'x'"))
                    .hasMessageContaining("Access denied; you need (at least one of) the CREATE USER privilege(s)");
            assertThatThrownBy(() -> statement.execute("UPDATE mysql.global_priv SET priv = '{}'"))
                    .hasMessageContaining("command denied to user 'clusteradmin'@'127.0.0.1' for table");
        }
    }

    @Test
    void onMariaDbServerSideFilesAreConfinedToAnEmptyDirectoryOfTheInstance() {
        assertThat(machine.storage.variable(storage, "secure_file_priv"))
                .isEqualTo(storage.layout().instanceDir() + "/files/");
    }

    @Test
    void onPostgresItOwnsTheClientDatabaseAndMayCreateDatabases() throws SQLException {
        try (Connection connection = ComputeEngineTest.connect(comp, "appdb", users.admin());
             Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE items (id int PRIMARY KEY, name text)");
            statement.execute("INSERT INTO items VALUES (1, 'pen')");
            statement.execute("CREATE DATABASE reports");

            assertThat(single(statement, "SELECT name FROM items")).isEqualTo("pen");
            statement.execute("DROP DATABASE reports");
        }
    }

    @Test
    void onPostgresItCannotCreateRoles() throws SQLException {
        try (Connection connection = ComputeEngineTest.connect(comp, "appdb", users.admin());
             Statement statement = connection.createStatement()) {
            assertThatThrownBy(() -> statement.execute("CREATE ROLE helper"))
                    .hasMessageContaining("permission denied to create role");
        }
    }

    @Test
    void onPostgresItCannotRunProgramsOnTheMachine() throws SQLException {
        try (Connection connection = ComputeEngineTest.connect(comp, "appdb", users.admin());
             Statement statement = connection.createStatement()) {
            assertThatThrownBy(() -> statement.execute("COPY (SELECT 1) TO PROGRAM 'touch " + machine.root + "/ran'"))
                    .hasMessageContaining("must be superuser or have privileges of the pg_execute_server_program role");
        }
        assertThat(machine.exists(machine.root + "/ran")).isFalse();
    }
}
