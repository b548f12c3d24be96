package io.kunlun.core.engines;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

import static io.kunlun.core.engines.MariaDbInstanceTest.single;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Letting the cluster's accounts in from one more network on running instances, and taking it
 * back, read from the instances' own catalogs. The network is a documentation address (RFC 5737):
 * nothing is sent to it. That connections from such a network are let in and shut out for real is
 * shown end to end from machines in network namespaces (kunlun-testkit, networks/).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClientNetworkGrantTest {
    private static final String ADDRESS = "127.0.0.124";
    private static final String OUTSIDE = "192.0.2.7";
    private static final String NETWORK = OUTSIDE + "/32";
    private static final String OUTSIDE_HOST = OUTSIDE + "/255.255.255.255";

    private final ClusterUsers users = EngineFixture.users();
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
    void aStorageInstanceGivesEveryAccountItsLoopbackGrantsOnAnAllowedNetwork() {
        assertThat(accountsOn(OUTSIDE_HOST)).isZero();

        machine.storage.allowNetwork(storage, users, NETWORK);
        try {
            for (Credential account : List.of(users.admin(), users.replication(), users.monitoring())) {
                assertThat(grants(account.user(), OUTSIDE_HOST)).isEqualTo(grants(account.user(), "127.%").stream()
                        .map(grant -> grant.replace("@`127.%`", "@`" + OUTSIDE_HOST + "`")).toList());
            }
        } finally {
            machine.storage.revokeNetwork(storage, users.userNames(), NETWORK);
        }
    }

    @Test
    void aRevokedNetworkLosesEveryAccountWhileLoopbackKeepsThem() throws SQLException {
        machine.storage.allowNetwork(storage, users, NETWORK);

        machine.storage.revokeNetwork(storage, users.userNames(), NETWORK);

        assertThat(accountsOn(OUTSIDE_HOST)).isZero();
        assertThat(accountsOn("127.%")).isEqualTo(3);
        try (Connection loopback = MariaDbInstanceTest.connect(storage, users.admin());
             Statement statement = loopback.createStatement()) {
            assertThat(single(statement, "SELECT CURRENT_USER()")).isEqualTo(users.admin().user() + "@127.%");
        }
    }

    @Test
    void allowingANetworkTwiceMakesEachAccountOnceAndNothingReachesTheBinaryLog() {
        String binlogBefore = binlogPosition();

        machine.storage.allowNetwork(storage, users, NETWORK);
        machine.storage.allowNetwork(storage, users, NETWORK);
        try {
            assertThat(accountsOn(OUTSIDE_HOST)).isEqualTo(3);
            assertThat(binlogPosition()).isEqualTo(binlogBefore);
        } finally {
            machine.storage.revokeNetwork(storage, users.userNames(), NETWORK);
        }
        assertThat(binlogPosition()).isEqualTo(binlogBefore);
    }

    @Test
    void aComputeInstanceAllowsANetworkWithOneRuleItAccepts() {
        assertThat(hbaRulesFor(OUTSIDE)).isEmpty();

        machine.compute.allowNetwork(compute, NETWORK);
        try {
            assertThat(hbaRulesFor(OUTSIDE)).containsExactly(List.of("host", "{all}", "{all}", OUTSIDE,
                    "255.255.255.255", "scram-sha-256", ""));
        } finally {
            machine.compute.revokeNetwork(compute, NETWORK);
        }
    }

    @Test
    void allowingANetworkTwiceAddsOneRuleAndRevokingItTakesItOut() throws SQLException {
        String rulesBefore = accessRules();

        machine.compute.allowNetwork(compute, NETWORK);
        machine.compute.allowNetwork(compute, NETWORK);

        assertThat(accessRules()).isEqualTo(rulesBefore + "host all all " + NETWORK + " scram-sha-256\n");
        machine.compute.revokeNetwork(compute, NETWORK);
        assertThat(accessRules()).isEqualTo(rulesBefore);
        assertThat(hbaRulesFor(OUTSIDE)).isEmpty();
        try (Connection loopback = ComputeEngineTest.connect(compute, "appdb", users.admin());
             Statement statement = loopback.createStatement()) {
            assertThat(single(statement, "SELECT current_user")).isEqualTo("clusteradmin");
        }
    }

    private int accountsOn(String host) {
        return Integer.parseInt(machine.storage.client(storage).value("SELECT COUNT(*) FROM mysql.user WHERE Host = '"
                + host + "';"));
    }

    private List<String> grants(String user, String host) {
        return machine.storage.client(storage).rows("SHOW GRANTS FOR '" + user + "'@'" + host + "';").stream()
                .map(row -> row.get(0)).toList();
    }

    /** The rules of pg_hba.conf as the server parses them, for one address: type, databases, users, address, mask, method, error. */
    private List<List<String>> hbaRulesFor(String address) {
        return machine.compute.client(compute, "appdb").rows("SELECT type, database::text, user_name::text, address,"
                + " netmask, auth_method, coalesce(error, '') FROM pg_hba_file_rules WHERE address = '" + address + "';");
    }

    private String binlogPosition() {
        return machine.storage.client(storage).rows("SHOW MASTER STATUS;").toString()
                + machine.storage.binlogPosition(storage);
    }

    private String accessRules() {
        return machine.host.readFile(compute.layout().dataDir() + "/pg_hba.conf");
    }
}
