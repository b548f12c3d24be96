package io.kunlun.testkit.networks;

import com.fasterxml.jackson.databind.JsonNode;
import io.kunlun.core.config.ManagerConfig;
import io.kunlun.testkit.LoopbackMachine;
import io.kunlun.testkit.Programs;
import io.kunlun.testkit.TestManager;
import io.kunlun.testkit.cluster.ClusterFixture;
import io.kunlun.testkit.netns.NamespaceMachine;
import io.kunlun.testkit.netns.TestNetwork;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Machines of a {@link TestNetwork}, each in a network namespace of its own: the first ones for
 * the cluster, the last one a machine the cluster never used. A manager on this host reaches
 * every one over SSH; the tests connect to instances with the servers' own clients run on a
 * machine, so that connections leave from that machine as they would on real machines. Closing
 * stops the manager, then removes the machines with everything that runs on them.
 */
final class MachineNetwork implements AutoCloseable {
    private static final String CONNECT_TIMEOUT_SECONDS = "5";
    private static final int SSH_CONNECT_TIMEOUT_SECONDS = 5;

    private final TestNetwork network;
    private TestManager manager;

    private MachineNetwork(TestNetwork network) {
        this.network = network;
    }

    /** The cluster's machines and one more, the new machine. */
    static MachineNetwork start(int clusterMachines) {
        return new MachineNetwork(TestNetwork.start(clusterMachines + 1));
    }

    /** The cluster's machines as create_machine registers them. */
    List<LoopbackMachine> clusterMachines() {
        List<NamespaceMachine> machines = network.machines();
        return machines.subList(0, machines.size() - 1).stream().map(NamespaceMachine::machine).toList();
    }

    /** The machine the cluster never used. */
    NamespaceMachine newMachine() {
        return network.machines().get(network.machines().size() - 1);
    }

    /** The machine with this address. */
    NamespaceMachine machineAt(String address) {
        return network.machines().stream().filter(machine -> machine.address().equals(address)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no machine at " + address + " in " + network.machines()));
    }

    /**
     * Starts a manager that exposes credentials and reaches every machine over SSH (trusting
     * their keys on first use), with the test's own further settings, and registers them all.
     */
    TestManager startManager(UnaryOperator<ManagerConfig> settings) {
        manager = TestManager.builder().configure(config -> settings.apply(config.withExposeCredentials(true)
                .withSsh(network.sshConfig(newMachine().machine().root().resolve("known_hosts"),
                        SSH_CONNECT_TIMEOUT_SECONDS)))).build().start();
        List<LoopbackMachine> all = new ArrayList<>(clusterMachines());
        all.add(newMachine().machine());
        ClusterFixture.register(manager, all);
        return manager;
    }

    /**
     * A query's answer from a storage node (from get_storage) as the cluster's admin, over a
     * connection leaving from {@code from}; a refusal or error fails with the client's message.
     */
    static String mariadb(NamespaceMachine from, JsonNode node, String sql) throws SQLException {
        return answer(from.run(List.of("mariadb", "--host=" + node.get("ip").asText(),
                "--port=" + node.get("port").asText(), "--user=" + node.get("user").asText(),
                "--connect-timeout=" + CONNECT_TIMEOUT_SECONDS, "--skip-ssl", "--batch", "--skip-column-names",
                "--execute=" + sql), Map.of("MYSQL_PWD", node.get("pwd").asText())));
    }

    /**
     * The answer of the last of the statements, run in turn on a comp's client database (from
     * get_computer) as the cluster's admin over one connection leaving from {@code from}; the
     * first error fails with the client's message.
     */
    static String postgres(NamespaceMachine from, JsonNode comp, String... statements) throws SQLException {
        List<String> argv = new ArrayList<>(List.of("psql", "--no-psqlrc", "--tuples-only", "--no-align",
                "--set=ON_ERROR_STOP=1", "--host=" + comp.get("ip").asText(), "--port=" + comp.get("port").asText(),
                "--username=" + comp.get("user").asText(), "--dbname=kunlun"));
        for (String statement : statements) {
            argv.add("--command=" + statement);
        }
        return answer(from.run(argv, Map.of("PGPASSWORD", comp.get("pwd").asText(),
                "PGCONNECT_TIMEOUT", CONNECT_TIMEOUT_SECONDS)));
    }

    /** The last line of a client's output when it succeeded; its whole output as the failure otherwise. */
    private static String answer(Programs.Result result) throws SQLException {
        String output = result.output().strip();
        if (!result.succeeded()) {
            throw new SQLException(output);
        }
        List<String> lines = output.lines().toList();
        return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
    }

    @Override
    public void close() {
        try {
            if (manager != null) {
                manager.close();
            }
        } finally {
            network.close();
        }
    }
}
