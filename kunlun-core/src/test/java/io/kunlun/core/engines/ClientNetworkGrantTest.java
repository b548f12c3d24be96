package io.kunlun.core.engines;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import static io.kunlun.core.engines.MariaDbInstanceTest.single;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Letting the cluster's accounts in from one more network on running instances, and taking it
 * back, proven with connections that leave from this machine's non-loopback address (the
 * instances listen on 127.0.0.124, which a socket bound to that address reaches from it).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClientNetworkGrantTest {
    private static final String ADDRESS = "127.0.0.124";

    private final ClusterUsers users = EngineFixture.users();
    private final String outside = nonLoopbackAddress();
    private final String network = outside + "/32";
    private EngineFixture machine;
    private StorageNode storage;
    private ComputeNode compute;

    @BeforeAll
    void installOneOfEach() {
        machine = new EngineFixture(ADDRESS);
        storage = machine.storageNode();
        compute = machine.computeNode();
        machine.storage.install(machine.standalone(storage, users));
        machine.compute.install(machine.computeInstall(compute, users));
    }

    @AfterAll
    void removeEverything() {
        machine.close();
    }

    @Test
    void aStorageInstanceLetsEveryAccountInFromAnAllowedNetworkWithItsLoopbackPrivileges() throws SQLException {
        assertThatThrownBy(() -> mariadbFromOutside(users.admin()).close())
                .hasMessage("Host '" + outside + "' is not allowed to connect to this MariaDB server");

        machine.storage.allowNetwork(storage, users, network);
        try {
            String host = outside + "/255.255.255.255";
            for (Credential account : List.of(users.admin(), users.replication(), users.monitoring())) {
                try (Connection outsideConnection = mariadbFromOutside(account);
                     Statement statement = outsideConnection.createStatement();
                     Connection loopback = MariaDbInstanceTest.connect(storage, account);
                     Statement loopbackStatement = loopback.createStatement()) {
                    assertThat(single(statement, "SELECT CURRENT_USER()")).isEqualTo(account.user() + "@" + host);
                    assertThat(grants(statement)).isEqualTo(grants(loopbackStatement).stream()
                            .map(grant -> grant.replace("@`127.%`", "@`" + host + "`")).toList());
                }
            }
        } finally {
            machine.storage.revokeNetwork(storage, users.userNames(), network);
        }
    }

    @Test
    void aRevokedNetworkIsShutOutAgainWhileLoopbackStaysIn() throws SQLException {
        machine.storage.allowNetwork(storage, users, network);

        machine.storage.revokeNetwork(storage, users.userNames(), network);

        for (Credential account : List.of(users.admin(), users.replication(), users.monitoring())) {
            assertThatThrownBy(() -> mariadbFromOutside(account).close())
                    .hasMessage("Host '" + outside + "' is not allowed to connect to this MariaDB server");
            try (Connection loopback = MariaDbInstanceTest.connect(storage, account);
                 Statement statement = loopback.createStatement()) {
                assertThat(single(statement, "SELECT CURRENT_USER()")).isEqualTo(account.user() + "@127.%");
            }
        }
    }

    @Test
    void allowingANetworkTwiceMakesEachAccountOnceAndNothingReachesTheBinaryLog() throws SQLException {
        String binlogBefore = binlogPosition();

        machine.storage.allowNetwork(storage, users, network);
        machine.storage.allowNetwork(storage, users, network);
        try {
            // The manager's own client: the applications' account may not read the privilege tables.
            assertThat(machine.storage.client(storage).value("SELECT COUNT(*) FROM mysql.user WHERE Host = '"
                    + outside + "/255.255.255.255';")).isEqualTo("3");
            assertThat(binlogPosition()).isEqualTo(binlogBefore);
        } finally {
            machine.storage.revokeNetwork(storage, users.userNames(), network);
        }
        assertThat(binlogPosition()).isEqualTo(binlogBefore);
    }

    @Test
    void aComputeInstanceLetsTheAccountsInFromAnAllowedNetworkOnceItReloaded() throws SQLException {
        assertThatThrownBy(() -> postgresFromOutside(users.admin()).close())
                .hasMessageContaining("no pg_hba.conf entry for host \"" + outside + "\", user \"clusteradmin\"");

        machine.compute.allowNetwork(compute, network);
        try {
            for (Credential account : List.of(users.admin(), users.monitoring())) {
                try (Connection connection = postgresFromOutside(account);
                     Statement statement = connection.createStatement()) {
                    assertThat(single(statement, "SELECT current_user || ' from ' || host(inet_client_addr())"))
                            .isEqualTo(account.user() + " from " + outside);
                }
            }
        } finally {
            machine.compute.revokeNetwork(compute, network);
        }
    }

    @Test
    void allowingANetworkTwiceAddsOneRuleAndRevokingItShutsTheNetworkOut() throws SQLException {
        String rulesBefore = accessRules();

        machine.compute.allowNetwork(compute, network);
        machine.compute.allowNetwork(compute, network);

        assertThat(accessRules()).isEqualTo(rulesBefore + "host all all " + network + " scram-sha-256\n");
        machine.compute.revokeNetwork(compute, network);
        assertThat(accessRules()).isEqualTo(rulesBefore);
        assertThatThrownBy(() -> postgresFromOutside(users.admin()).close())
                .hasMessageContaining("no pg_hba.conf entry for host \"" + outside + "\", user \"clusteradmin\"");
        try (Connection loopback = ComputeEngineTest.connect(compute, "appdb", users.admin());
             Statement statement = loopback.createStatement()) {
            assertThat(single(statement, "SELECT current_user")).isEqualTo("clusteradmin");
        }
    }

    private Connection mariadbFromOutside(Credential account) throws SQLException {
        return DriverManager.getConnection("jdbc:mariadb://" + ADDRESS + ":" + storage.ports().sql()
                + "/?localSocketAddress=" + outside, account.user(), account.password());
    }

    private Connection postgresFromOutside(Credential account) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://" + ADDRESS + ":" + compute.port()
                + "/appdb?localSocketAddress=" + outside, account.user(), account.password());
    }

    private static List<String> grants(Statement statement) throws SQLException {
        List<String> grants = new ArrayList<>();
        try (ResultSet rows = statement.executeQuery("SHOW GRANTS")) {
            while (rows.next()) {
                grants.add(rows.getString(1));
            }
        }
        return grants;
    }

    private String binlogPosition() {
        return machine.storage.client(storage).rows("SHOW MASTER STATUS;").toString()
                + machine.storage.binlogPosition(storage);
    }

    private String accessRules() {
        return machine.host.readFile(compute.layout().dataDir() + "/pg_hba.conf");
    }

    /** This machine's first IPv4 address that is not loopback; the test cannot prove anything without one. */
    private static String nonLoopbackAddress() {
        try {
            for (NetworkInterface networkInterface : NetworkInterface.networkInterfaces().toList()) {
                if (networkInterface.isUp() && !networkInterface.isLoopback()) {
                    for (InetAddress address : networkInterface.inetAddresses().toList()) {
                        if (address instanceof Inet4Address && !address.isLoopbackAddress()) {
                            return address.getHostAddress();
                        }
                    }
                }
            }
        } catch (SocketException e) {
            throw new IllegalStateException("cannot list this machine's network interfaces", e);
        }
        throw new IllegalStateException("this machine has no IPv4 address besides loopback: a client network"
                + " other than loopback cannot be shown to be let in or shut out");
    }
}
