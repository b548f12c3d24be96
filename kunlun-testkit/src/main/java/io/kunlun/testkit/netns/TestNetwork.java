package io.kunlun.testkit.netns;

import io.kunlun.core.config.ManagerConfig.SshConfig;
import io.kunlun.testkit.ssh.SshKeys;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A network of test machines, each in a network namespace the suite creates, so that tests reach
 * other machines without sending anything to this host's own addresses. The network is a bridge
 * in a namespace of its own (the switch); each {@link NamespaceMachine} and this host are plugged
 * into it with a veth pair. Network {@code i} is 10.250.i.0/24: this host is 10.250.i.1 (the
 * address connections from here arrive from), machine {@code k} (from 1) is 10.250.i.(k+1). The
 * machines reach each other and this host; nothing is routed further.
 *
 * <p>Needs root. Starting removes what killed runs left behind (see {@link Namespaces}); closing
 * removes every namespace and link it made and every process in them, also when a test failed;
 * a JVM stopped mid-test closes what is open on its way out. A JVM killed outright leaves them to
 * the next start.
 *
 * <pre>{@code
 * try (TestNetwork network = TestNetwork.start(2);
 *      TestManager manager = TestManager.builder()
 *              .configure(config -> config.withSsh(network.sshConfig(knownHosts, 5))).build().start()) {
 *     ClusterFixture.register(manager, network.machines().stream().map(NamespaceMachine::machine).toList());
 *     network.machines().get(0).cut();
 * }
 * }</pre>
 */
public final class TestNetwork implements AutoCloseable {
    static final String BRIDGE = "switch";
    private static final String UPLINK = "uplink";
    private static final String PREFIX_LENGTH = "24";
    /** 10.250.0.0/16 holds the networks: 256 of them, at most 253 machines each. */
    private static final int NETWORKS = 256;
    private static final Set<TestNetwork> OPEN = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> OPEN.forEach(TestNetwork::close), "testkit-netns"));
    }

    private final int network;
    private final SshKeys clientKey;
    private final List<NamespaceMachine> machines = new ArrayList<>();

    private TestNetwork(int network, SshKeys clientKey) {
        this.network = network;
        this.clientKey = clientKey;
    }

    /** A new network with this many machines, each running sshd that accepts the network's own client key. */
    public static TestNetwork start(int machineCount) {
        if (machineCount < 1 || machineCount > 253) {
            throw new IllegalArgumentException("a test network has 1 to 253 machines, not " + machineCount);
        }
        if (!"root".equals(System.getProperty("user.name"))) {
            throw new IllegalStateException("a test network needs root: namespaces and links are made with ip netns"
                    + " and ip link; run the tests as root");
        }
        SshKeys clientKey = SshKeys.generate(SshKeys.Type.ED25519);
        TestNetwork network;
        try {
            network = new TestNetwork(Namespaces.exclusively(() -> {
                Namespaces.removeLeftovers();
                return plugInASwitch();
            }), clientKey);
        } catch (RuntimeException e) {
            clientKey.close();
            throw e;
        }
        OPEN.add(network);
        try {
            for (int k = 1; k <= machineCount; k++) {
                network.machines.add(NamespaceMachine.start(Namespaces.machineName(network.network, k),
                        Namespaces.switchName(network.network), "m" + k, network.subnet() + (k + 1), PREFIX_LENGTH,
                        network.hostAddress(), clientKey.publicKeyLine()));
            }
            return network;
        } catch (RuntimeException e) {
            network.closeAfter(e);
            throw e;
        }
    }

    /**
     * Takes the first free network: its switch namespace, then the host's link into it, whose
     * name no two networks share, so a network in use by another run is skipped. Called holding
     * the host-wide lock (see {@link Namespaces}).
     */
    private static int plugInASwitch() {
        for (int network = 0; network < NETWORKS; network++) {
            String switchNamespace = Namespaces.switchName(network);
            if (!Namespaces.ipSucceeds("netns", "add", switchNamespace)) {
                continue;
            }
            if (!Namespaces.ipSucceeds("link", "add", Namespaces.hostLink(network), "type", "veth", "peer", "name",
                    UPLINK, "netns", switchNamespace)) {
                Namespaces.destroy(switchNamespace);
                continue;
            }
            wireSwitch(network, switchNamespace);
            return network;
        }
        throw new IllegalStateException("every test network 10.250.0.0/24 to 10.250.255.0/24 is in use");
    }

    /** The bridge with the uplink on it in the switch; the host's end of the uplink with its address. */
    private static void wireSwitch(int network, String switchNamespace) {
        try {
            Namespaces.ip("-n", switchNamespace, "link", "add", BRIDGE, "type", "bridge");
            Namespaces.ip("-n", switchNamespace, "link", "set", BRIDGE, "up");
            Namespaces.ip("-n", switchNamespace, "link", "set", UPLINK, "master", BRIDGE, "up");
            Namespaces.ip("address", "add", "10.250." + network + ".1/" + PREFIX_LENGTH, "dev",
                    Namespaces.hostLink(network));
            Namespaces.ip("link", "set", Namespaces.hostLink(network), "up");
        } catch (RuntimeException e) {
            runAll(List.of(() -> Namespaces.ipSucceeds("link", "delete", Namespaces.hostLink(network)),
                    () -> Namespaces.destroy(switchNamespace)), e);
            throw e;
        }
    }

    private String subnet() {
        return "10.250." + network + ".";
    }

    /** This host's address on the network: connections from here to a machine arrive from it. */
    public String hostAddress() {
        return subnet() + "1";
    }

    /** The name of this host's link into the network, as {@code ip link} lists it. */
    public String hostLink() {
        return Namespaces.hostLink(network);
    }

    public List<NamespaceMachine> machines() {
        return List.copyOf(machines);
    }

    /**
     * How a manager on this host reaches the machines: SSH as the current user on port 22 with
     * the network's client key, trusting each machine's host key on first use into
     * {@code knownHosts}, and giving up a connection after {@code connectTimeoutSeconds}.
     */
    public SshConfig sshConfig(Path knownHosts, int connectTimeoutSeconds) {
        return new SshConfig(null, 0, clientKey.privateKey(), knownHosts, true, connectTimeoutSeconds, Map.of());
    }

    @Override
    public void close() {
        closeAfter(null);
    }

    private void closeAfter(RuntimeException failure) {
        if (!OPEN.remove(this)) {
            return;
        }
        List<Runnable> steps = new ArrayList<>();
        machines.forEach(machine -> steps.add(machine::close));
        // Deleting the host's end takes its peer in the switch with it at once.
        steps.add(() -> Namespaces.ipSucceeds("link", "delete", Namespaces.hostLink(network)));
        steps.add(() -> Namespaces.destroy(Namespaces.switchName(network)));
        steps.add(clientKey::close);
        runAll(steps, failure);
    }

    /**
     * Runs every cleanup step even when one fails; the first failure is thrown (added to the one
     * that led to the cleanup, if any) with the others suppressed in it.
     */
    static void runAll(List<Runnable> steps, RuntimeException cause) {
        RuntimeException first = null;
        for (Runnable step : steps) {
            try {
                step.run();
            } catch (RuntimeException e) {
                if (cause != null) {
                    cause.addSuppressed(e);
                } else if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
