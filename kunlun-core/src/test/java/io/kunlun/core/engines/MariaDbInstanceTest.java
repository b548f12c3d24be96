package io.kunlun.core.engines;

import io.kunlun.core.ManagerException;
import io.kunlun.core.hosts.Command;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A single MariaDB storage instance, real, on 127.0.0.50. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MariaDbInstanceTest {
    private static final String ADDRESS = "127.0.0.50";

    private final ClusterUsers users = EngineFixture.users();
    private EngineFixture machine;
    private StorageNode installed;

    @BeforeAll
    void installOneInstance() {
        machine = new EngineFixture(ADDRESS);
        installed = machine.storageNode();
        machine.storage.install(machine.standalone(installed, users));
    }

    @AfterAll
    void removeEverything() {
        machine.close();
    }

    @Test
    void detectNamesTheServerFlavourAndVersion() {
        ServerVersion version = machine.storage.detect(machine.host);

        assertThat(version.product()).isEqualTo("MariaDB");
        assertThat(version.toString()).matches("mariadbd 10\\.\\d+\\.\\d+ \\(MariaDB\\)");
    }

    @Test
    void theAdminUserWorksFromLoopback() throws SQLException {
        try (Connection connection = connect(installed, users.admin());
             Statement statement = connection.createStatement()) {
            statement.execute("CREATE DATABASE app");
            statement.execute("CREATE TABLE app.t (id INT PRIMARY KEY, v VARCHAR(20))");
            statement.execute("INSERT INTO app.t VALUES (1, 'one')");

            assertThat(single(statement, "SELECT CURRENT_USER()")).isEqualTo("clusteradmin@127.%");
            assertThat(single(statement, "SELECT v FROM app.t WHERE id = 1")).isEqualTo("one");
        }
    }

    @Test
    void theMonitoringUserMayLookButNotChange() throws SQLException {
        try (Connection connection = connect(installed, users.monitoring());
             Statement statement = connection.createStatement()) {
            assertThat(single(statement, "SELECT COUNT(*) FROM information_schema.PROCESSLIST")).isNotNull();

            assertThatThrownBy(() -> statement.execute("CREATE DATABASE not_allowed"))
                    .hasMessageContaining("Access denied for user 'monitor'@'127.%'");
        }
    }

    @Test
    void theServerRunsAsTheInstanceAccountInASessionOfItsOwn() {
        String pid = machine.host.readFile(installed.layout().instanceDir() + "/server.pid").strip();

        String[] owner = machine.host.check(Command.of("ps", "-o", "user=,sid=", "-p", pid)).stdout().strip().split("\\s+");

        assertThat(owner[0]).isEqualTo("kunlun");
        assertThat(owner[1]).as("a session leader, out of reach of signals to the manager's session").isEqualTo(pid);
    }

    @Test
    void theErrorLogIsTheInstanceAccountsAlone() throws IOException {
        Path errorLog = Path.of(installed.layout().errorLog());

        assertThat(Files.getOwner(errorLog).getName()).isEqualTo("kunlun");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(errorLog))).isEqualTo("rw-------");
    }

    @Test
    void stopThenStartKeepsTheData() throws SQLException {
        try (Connection connection = connect(installed, users.admin());
             Statement statement = connection.createStatement()) {
            statement.execute("CREATE DATABASE kept");
            statement.execute("CREATE TABLE kept.t (id INT PRIMARY KEY)");
            statement.execute("INSERT INTO kept.t VALUES (42)");
        }

        assertThat(machine.storage.stop(installed)).isTrue();
        assertThat(machine.storage.isRunning(installed)).isFalse();
        assertThat(machine.storage.start(installed)).isEqualTo(StartOutcome.STARTED);

        try (Connection connection = connect(installed, users.admin());
             Statement statement = connection.createStatement()) {
            assertThat(single(statement, "SELECT id FROM kept.t")).isEqualTo("42");
        }
    }

    @Test
    void startingARunningInstanceSaysSo() {
        assertThat(machine.storage.start(installed)).isEqualTo(StartOutcome.ALREADY_RUNNING);
    }

    @Test
    void removeLeavesNoProcessAndNoDirectory() {
        StorageNode node = machine.storageNode();
        machine.storage.install(machine.standalone(node, users));

        machine.storage.remove(node, EngineFixture.MAKER);

        assertThat(machine.storage.isRunning(node)).isFalse();
        assertThat(machine.processesUnderRoot()).noneMatch(line -> line.contains(node.layout().instanceDir()));
        assertThat(node.layout().directories()).noneMatch(machine::exists);
    }

    @Test
    void removingAnInstanceThatDoesNotExistSucceeds() {
        StorageNode never = machine.storageNode();

        machine.storage.remove(never, EngineFixture.MAKER);

        assertThat(machine.storage.isRunning(never)).isFalse();
    }

    @Test
    void removeLeavesAloneAnInstanceAnotherJobMade() {
        StorageNode node = machine.storageNode();
        machine.storage.install(machine.standalone(node, users));

        InstanceMaker found = machine.storage.remove(node, "another-job");

        assertThat(found.describe()).isEqualTo("made by job " + EngineFixture.MAKER);
        assertThat(machine.storage.isRunning(node)).isTrue();
        assertThat(node.layout().directories()).allMatch(machine::exists);
    }

    @Test
    void removeLeavesAloneADirectoryNobodyMarked() throws Exception {
        StorageNode node = machine.storageNode();
        Path operatorFile = Path.of(node.layout().instanceDir(), "keep-me");
        Files.createDirectories(operatorFile.getParent());
        Files.writeString(operatorFile, "an operator's file");

        InstanceMaker found = machine.storage.remove(node, EngineFixture.MAKER);

        assertThat(found.describe()).isEqualTo("not made by the manager (no maker file)");
        assertThat(operatorFile).hasContent("an operator's file");
    }

    @Test
    void aMissingServerProgramIsRefusedByItsPath() {
        StorageEngine engine = new StorageEngine(EngineFixture.CONFIG.withStorageServer("/nonexistent/mariadbd"),
                EngineFixture.TRANSFERS);
        StorageNode node = machine.storageNode();

        assertThatThrownBy(() -> engine.install(machine.standalone(node, users)))
                .isInstanceOf(ManagerException.class)
                .hasMessage(ADDRESS + ": storage server /nonexistent/mariadbd is missing or not executable");
        assertThat(machine.exists(node.layout().instanceDir())).isFalse();
    }

    @Test
    void aMissingInstanceAccountIsRefusedWithHowToCreateIt() {
        StorageEngine engine = new StorageEngine(EngineFixture.CONFIG.withInstanceAccount("nosuchaccount"),
                EngineFixture.TRANSFERS);
        StorageNode node = machine.storageNode();

        assertThatThrownBy(() -> engine.install(machine.standalone(node, users)))
                .isInstanceOf(ManagerException.class)
                .hasMessage(ADDRESS + ": the account nosuchaccount that runs database instances does not exist (create it"
                        + " with: useradd --system --home-dir /nonexistent --shell /usr/sbin/nologin nosuchaccount)");
        assertThat(machine.exists(node.layout().instanceDir())).isFalse();
    }

    @Test
    void aMysqlServerIsRefusedUntilItIsSupported() throws IOException {
        Path fake = machine.root.resolve("mysqld");
        Files.writeString(fake, "#!/bin/sh\necho '/usr/sbin/mysqld  Ver 8.0.36 for Linux on x86_64 (MySQL Community Server - GPL)'\n");
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwxr-xr-x"));
        StorageEngine engine = new StorageEngine(EngineFixture.CONFIG.withStorageServer(fake.toString()),
                EngineFixture.TRANSFERS);

        assertThatThrownBy(() -> engine.detect(machine.host))
                .isInstanceOf(ManagerException.class)
                .hasMessage(ADDRESS + ": mysqld 8.0.36 (MySQL) is not supported yet; supported: MariaDB >= 10.6");
    }

    @Test
    void aDataDirectoryTheInstanceAccountCannotWriteIsRefusedAndLeftClean() throws IOException {
        Path locked = machine.root.resolve("locked");
        Files.createDirectory(locked, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        int first = machine.freePorts(StoragePorts.COUNT);
        StorageNode node = new StorageNode(machine.host, StoragePorts.from(first),
                StorageLayout.under(locked.toString(), machine.root + "/log", machine.root + "/wal", first), "");

        assertThatThrownBy(() -> machine.storage.install(machine.standalone(node, users)))
                .isInstanceOf(ManagerException.class)
                .hasMessage(node.label() + ": " + node.layout().instanceDir() + " is not writable by kunlun");
        assertThat(node.layout().directories()).noneMatch(machine::exists);
    }

    @Test
    void aPortAlreadyTakenIsRefused() throws IOException {
        StorageNode node = machine.storageNode();
        try (ServerSocket squatter = new ServerSocket(node.ports().incrementalTransfer(), 1, InetAddress.getByName(ADDRESS))) {
            assertThatThrownBy(() -> machine.storage.install(machine.standalone(node, users)))
                    .isInstanceOf(ManagerException.class)
                    .hasMessage(node.label() + ": port " + squatter.getLocalPort() + " is already in use");
        }
        assertThat(machine.exists(node.layout().instanceDir())).isFalse();
    }

    @Test
    void aServerThatExitsAtStartIsReportedWithItsErrorLog() {
        StorageNode node = machine.storageNode();
        machine.storage.install(machine.standalone(node, users));
        machine.storage.stop(node);
        String configFile = node.layout().configFile();
        machine.host.writeFile(configFile, machine.host.readFile(configFile) + "no_such_setting = 1\n");

        assertThatThrownBy(() -> machine.storage.start(node))
                .isInstanceOf(ManagerException.class)
                .hasMessageStartingWith(node.label() + ": mariadbd exited: ")
                .hasMessageContaining("unknown variable 'no_such_setting=1'");
        assertThat(machine.storage.isRunning(node)).isFalse();
    }

    @Test
    void aFailedInstallLeavesNothingBehind() {
        StorageNode node = machine.storageNode();
        // More buffer pool than the machine has: the server gives up while initialising.
        StorageInstall tooBig = new StorageInstall(node, new StorageSettings(1, 64 * 1024 * 1024, 100),
                ReplicationMode.standalone(), users, EngineFixture.MAKER);

        assertThatThrownBy(() -> machine.storage.install(tooBig))
                .isInstanceOf(ManagerException.class)
                .hasMessageStartingWith(node.label() + ": mariadb-install-db exited with 1: ")
                .hasMessageContaining("[ERROR] InnoDB: Cannot map innodb_buffer_pool_size");
        assertThat(machine.storage.isRunning(node)).isFalse();
        assertThat(node.layout().directories()).noneMatch(machine::exists);
    }

    static Connection connect(StorageNode node, Credential credential) throws SQLException {
        return DriverManager.getConnection("jdbc:mariadb://" + node.host().address() + ":" + node.ports().sql() + "/",
                credential.user(), credential.password());
    }

    static String single(Statement statement, String query) throws SQLException {
        try (ResultSet result = statement.executeQuery(query)) {
            assertThat(result.next()).as("a row from " + query).isTrue();
            return result.getString(1);
        }
    }
}
