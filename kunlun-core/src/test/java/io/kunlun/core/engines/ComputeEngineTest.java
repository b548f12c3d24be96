package io.kunlun.core.engines;

import io.kunlun.core.ManagerException;
import io.kunlun.core.hosts.Command;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

import static io.kunlun.core.engines.MariaDbInstanceTest.single;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A single PostgreSQL compute instance, real, on 127.0.0.51. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ComputeEngineTest {
    private static final String ADDRESS = "127.0.0.51";

    private final ClusterUsers users = EngineFixture.users();
    private EngineFixture machine;
    private ComputeNode installed;

    @BeforeAll
    void installOneInstance() {
        machine = new EngineFixture(ADDRESS);
        installed = machine.computeNode();
        machine.compute.install(machine.computeInstall(installed, users));
    }

    @AfterAll
    void removeEverything() {
        machine.close();
    }

    @Test
    void detectNamesThePostgresVersion() {
        assertThat(machine.compute.detect(machine.host).toString()).matches("postgres 1\\d\\.\\d+\\.0 \\(PostgreSQL\\)");
    }

    @Test
    void theAdminUserOwnsTheClientDatabaseAndWorksFromLoopback() throws SQLException {
        try (Connection connection = connect(installed, "appdb", users.admin());
             Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE t (id int PRIMARY KEY, v text)");
            statement.execute("INSERT INTO t VALUES (1, 'one')");

            assertThat(single(statement, "SELECT v FROM t WHERE id = 1")).isEqualTo("one");
            assertThat(single(statement, "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'appdb'"))
                    .isEqualTo("clusteradmin");
        }
    }

    @Test
    void loadingADumpOfAnotherInstanceCreatesItsRolesAndSchemaAndExistingRolesKeepTheirPasswords()
            throws SQLException {
        String roles = "CREATE ROLE clusteradmin;\n"
                + "ALTER ROLE clusteradmin WITH NOSUPERUSER INHERIT NOCREATEROLE NOCREATEDB LOGIN NOREPLICATION;\n"
                + "CREATE ROLE \"report readers\";\n"
                + "ALTER ROLE \"report readers\" WITH NOLOGIN;\n";
        String schema = "CREATE SCHEMA restored;\n"
                + "CREATE TABLE restored.r (id int);\n"
                + "GRANT SELECT ON restored.r TO \"report readers\";\n";

        machine.compute.loadSchema(installed, "appdb", roles, schema);

        try (Connection connection = connect(installed, "appdb", users.admin());
             Statement statement = connection.createStatement()) {
            assertThat(single(statement, "SELECT has_table_privilege('report readers', c.oid, 'SELECT')"
                    + " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                    + " WHERE n.nspname = 'restored' AND c.relname = 'r'")).isEqualTo("t");
        }
    }

    @Test
    void theMonitoringUserMayReadStatisticsButNotCreate() throws SQLException {
        try (Connection connection = connect(installed, "appdb", users.monitoring());
             Statement statement = connection.createStatement()) {
            assertThat(single(statement, "SELECT pg_has_role('monitor', 'pg_monitor', 'member')")).isEqualTo("t");

            assertThatThrownBy(() -> statement.execute("CREATE TABLE not_allowed (id int)"))
                    .hasMessageContaining("permission denied for schema public");
        }
    }

    @Test
    void theServerRunsAsTheInstanceAccountInASessionOfItsOwn() {
        String pid = machine.host.readFile(installed.layout().dataDir() + "/postmaster.pid").lines().findFirst().orElseThrow();

        String[] owner = machine.host.check(Command.of("ps", "-o", "user=,sid=", "-p", pid)).stdout().strip().split("\\s+");

        assertThat(owner[0]).isEqualTo("kunlun");
        assertThat(owner[1]).isEqualTo(pid);
    }

    @Test
    void stopThenStartKeepsTheData() throws SQLException {
        try (Connection connection = connect(installed, "appdb", users.admin());
             Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE kept (id int)");
            statement.execute("INSERT INTO kept VALUES (42)");
        }

        assertThat(machine.compute.stop(installed)).isTrue();
        assertThat(machine.compute.isRunning(installed)).isFalse();
        assertThat(machine.compute.start(installed)).isEqualTo(StartOutcome.STARTED);
        assertThat(machine.compute.start(installed)).isEqualTo(StartOutcome.ALREADY_RUNNING);

        try (Connection connection = connect(installed, "appdb", users.admin());
             Statement statement = connection.createStatement()) {
            assertThat(single(statement, "SELECT id FROM kept")).isEqualTo("42");
        }
    }

    @Test
    void aLogOthersCouldReadIsTheInstanceAccountsAloneAgainAfterAStart() throws IOException {
        Path log = Path.of(installed.layout().logFile());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(log))).isEqualTo("rw-------");
        Files.setPosixFilePermissions(log, PosixFilePermissions.fromString("rw-r--r--"));

        machine.compute.stop(installed);
        machine.compute.start(installed);

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(log))).isEqualTo("rw-------");
    }

    @Test
    void removeLeavesNoProcessAndNoDirectory() {
        ComputeNode node = machine.computeNode();
        machine.compute.install(machine.computeInstall(node, users));

        machine.compute.remove(node, EngineFixture.MAKER);

        assertThat(machine.compute.isRunning(node)).isFalse();
        assertThat(machine.processesUnderRoot()).noneMatch(line -> line.contains(node.layout().instanceDir()));
        assertThat(machine.exists(node.layout().instanceDir())).isFalse();
    }

    @Test
    void removingAnInstanceThatDoesNotExistSucceeds() {
        ComputeNode never = machine.computeNode();

        machine.compute.remove(never, EngineFixture.MAKER);

        assertThat(machine.exists(never.layout().instanceDir())).isFalse();
    }

    @Test
    void aMissingServerProgramIsRefusedByItsPath() {
        ComputeEngine engine = new ComputeEngine(EngineFixture.CONFIG.withPostgres("/nonexistent/postgres"));
        ComputeNode node = machine.computeNode();

        assertThatThrownBy(() -> engine.install(machine.computeInstall(node, users)))
                .isInstanceOf(ManagerException.class)
                .hasMessage(ADDRESS + ": compute server /nonexistent/postgres is missing or not executable");
        assertThat(machine.exists(node.layout().instanceDir())).isFalse();
    }

    static Connection connect(ComputeNode node, String database, Credential credential) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://" + node.host().address() + ":" + node.port() + "/" + database,
                credential.user(), credential.password());
    }
}
