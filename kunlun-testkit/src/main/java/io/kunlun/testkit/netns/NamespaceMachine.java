package io.kunlun.testkit.netns;

import io.kunlun.testkit.LoopbackMachine;
import io.kunlun.testkit.Programs;
import io.kunlun.testkit.RootPaths;
import io.kunlun.testkit.ssh.OpenSshServer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A test machine in a network namespace of its own, on a {@link TestNetwork}: one address, its
 * own loopback, a real OpenSSH server on port 22, and root paths for instances on this host's
 * file system. What the manager starts on it over SSH runs inside the namespace, as on a second
 * machine. Its link to the network can be cut and restored.
 */
public final class NamespaceMachine {
    private static final Duration PLUG_IN_WAIT = Duration.ofSeconds(10);
    private final String namespace;
    private final String switchNamespace;
    private final String port;
    private final String hostAddress;
    private final LoopbackMachine paths;
    private OpenSshServer sshd;

    private NamespaceMachine(String namespace, String switchNamespace, String port, String hostAddress,
                             LoopbackMachine paths) {
        this.namespace = namespace;
        this.switchNamespace = switchNamespace;
        this.port = port;
        this.hostAddress = hostAddress;
        this.paths = paths;
    }

    /**
     * Makes the namespace, plugs it into the switch through a veth pair ({@code port} there,
     * {@code eth0} inside) with the address on {@code eth0}, brings loopback up and starts sshd.
     * {@code hostAddress} is this host's address on the network, where the manager's traffic
     * comes from.
     */
    static NamespaceMachine start(String namespace, String switchNamespace, String port, String address,
                                  String prefixLength, String hostAddress, String authorizedKeyLine) {
        LoopbackMachine paths = RootPaths.create(address);
        try {
            Namespaces.ip("netns", "add", namespace);
        } catch (RuntimeException e) {
            TestNetwork.runAll(List.of(() -> RootPaths.remove(paths)), e);
            throw e;
        }
        NamespaceMachine machine = new NamespaceMachine(namespace, switchNamespace, port, hostAddress, paths);
        try {
            Namespaces.ip("-n", switchNamespace, "link", "add", port, "type", "veth", "peer", "name", "eth0",
                    "netns", namespace);
            Namespaces.ip("-n", switchNamespace, "link", "set", port, "master", TestNetwork.BRIDGE, "up");
            Namespaces.ip("-n", namespace, "address", "add", address + "/" + prefixLength, "dev", "eth0");
            Namespaces.ip("-n", namespace, "link", "set", "eth0", "up");
            Namespaces.ip("-n", namespace, "link", "set", "lo", "up");
            machine.sshd = OpenSshServer.startInNamespace(namespace, address, authorizedKeyLine);
            return machine;
        } catch (RuntimeException e) {
            machine.closeAfter(e);
            throw e;
        }
    }

    /** The machine's address, its hostaddr for the manager. */
    public String address() {
        return paths.hostaddr();
    }

    /** The namespace's name, as {@code ip netns} lists it. */
    public String namespace() {
        return namespace;
    }

    /** The machine as create_machine registers it: its address and root paths. */
    public LoopbackMachine machine() {
        return paths;
    }

    /**
     * Cuts the machine off the network: its port on the switch goes down, so nothing it sends
     * arrives anywhere and nothing reaches it, as when its cable is pulled. Its processes run on.
     */
    public void cut() {
        Namespaces.ip("-n", switchNamespace, "link", "set", port, "down");
    }

    /**
     * Plugs the machine in again after {@link #cut()}; returns once its port on the switch
     * forwards and its own link is up. The kernel applies a link's carrier change a moment
     * later, up to a second when many links change at once (test JVMs making and removing
     * networks beside this one), and a connection tried before then goes nowhere.
     */
    public void restore() {
        Namespaces.ip("-n", switchNamespace, "link", "set", port, "up");
        long deadline = System.nanoTime() + PLUG_IN_WAIT.toNanos();
        while (!(Namespaces.ip("-n", switchNamespace, "-d", "link", "show", port).contains(" state forwarding ")
                && Namespaces.ip("-n", namespace, "link", "show", "eth0").contains(",LOWER_UP>"))) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(address() + " is not plugged in again " + PLUG_IN_WAIT.toSeconds()
                        + " s after its port on the switch was set up");
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while plugging " + address() + " in again", e);
            }
        }
    }

    /**
     * Cuts the machine off this host alone, where the manager runs, while it still reaches the
     * other machines of the network and they it: a blackhole route inside the machine for the
     * host's address, so nothing it sends there arrives (no answer, no connection). The partition
     * a manager must not mistake for a dead machine.
     */
    public void cutFromHost() {
        Namespaces.ip("-n", namespace, "route", "add", "blackhole", hostAddress + "/32");
    }

    /** Takes back {@link #cutFromHost()}. */
    public void restoreToHost() {
        Namespaces.ip("-n", namespace, "route", "del", "blackhole", hostAddress + "/32");
    }

    /**
     * Runs a program inside the machine's namespace, so that its connections leave from this
     * machine, with these further environment variables (a client's password, say) and a bound
     * on its time; answers how it ended.
     */
    public Programs.Result run(List<String> argv, Map<String, String> environment) {
        List<String> inside = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
        inside.addAll(argv);
        return Programs.result(inside, environment);
    }

    /** Stops sshd, kills everything else inside, deletes the namespace and the root paths. */
    void close() {
        closeAfter(null);
    }

    private void closeAfter(RuntimeException failure) {
        List<Runnable> steps = List.of(
                () -> {
                    if (sshd != null) {
                        sshd.close();
                    }
                },
                () -> Namespaces.destroy(namespace),
                () -> RootPaths.remove(paths));
        TestNetwork.runAll(steps, failure);
    }

    @Override
    public String toString() {
        return address() + " (namespace " + namespace + ")";
    }
}
