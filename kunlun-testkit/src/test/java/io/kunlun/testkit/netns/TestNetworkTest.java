package io.kunlun.testkit.netns;

import io.kunlun.testkit.ManagedProcesses;
import io.kunlun.testkit.Programs;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Test machines in network namespaces: their link cut and restored, and nothing of them left afterwards. */
class TestNetworkTest {
    private static final int CONNECT_TIMEOUT_MILLIS = 1000;
    /** A process started in the background prints its pid and leaves the client's output alone. */
    private static final List<String> BACKGROUND_SLEEP = List.of("sh", "-c", "sleep 600 >/dev/null 2>&1 & echo $!");

    @Test
    void aCutMachineCannotBeReachedAndARestoredOneCanAgain() throws Exception {
        try (TestNetwork network = TestNetwork.start(1)) {
            NamespaceMachine machine = network.machines().get(0);

            machine.cut();
            assertThatThrownBy(() -> connectToSsh(machine)).isInstanceOf(IOException.class);
            machine.restore();

            connectToSsh(machine);
        }
    }

    @Test
    void aMachineCutFromTheHostStillReachesTheOtherMachinesAndIsReachedAgainOnceRestored() throws Exception {
        try (TestNetwork network = TestNetwork.start(2)) {
            NamespaceMachine cut = network.machines().get(0);
            NamespaceMachine other = network.machines().get(1);

            cut.cutFromHost();
            assertThatThrownBy(() -> connectToSsh(cut)).isInstanceOf(IOException.class);
            assertThat(sshBannerFrom(other, cut)).startsWith("SSH-2.0-OpenSSH");
            cut.restoreToHost();

            connectToSsh(cut);
        }
    }

    @Test
    void closingRemovesTheNamespacesTheLinksAndEveryProcessInside() {
        TestNetwork network = TestNetwork.start(2);
        List<String> namespaces = network.machines().stream().map(NamespaceMachine::namespace).toList();
        ProcessHandle sleeper = backgroundSleepIn(network.machines().get(0));

        network.close();

        assertThat(namespacesNow()).doesNotContainAnyElementsOf(namespaces)
                .noneMatch(name -> name.startsWith(Namespaces.switchName(networkIndex(network))));
        assertThat(Programs.run(List.of("ip", "-o", "link", "show"))).doesNotContain(network.hostLink());
        assertThat(ManagedProcesses.isRunning(sleeper)).isFalse();
    }

    @Test
    void startingRemovesWhatARunThatWasKilledLeftBehind() throws Exception {
        long deadJvm = deadPid();
        String switchNamespace = Namespaces.PREFIX + "255-" + deadJvm;
        String machineNamespace = switchNamespace + "-m1";
        Programs.run(List.of("ip", "netns", "add", switchNamespace));
        Programs.run(List.of("ip", "netns", "add", machineNamespace));
        Programs.run(List.of("ip", "link", "add", "kunlun-t255", "type", "veth", "peer", "name", "uplink", "netns",
                switchNamespace));
        ProcessHandle sleeper = ProcessHandle.of(Long.parseLong(Programs.run(List.of("ip", "netns", "exec",
                machineNamespace, "sh", "-c", BACKGROUND_SLEEP.get(2))).strip())).orElseThrow();

        try (TestNetwork network = TestNetwork.start(1)) {
            assertThat(namespacesNow()).doesNotContain(switchNamespace, machineNamespace);
            assertThat(Programs.run(List.of("ip", "-o", "link", "show"))).doesNotContain("kunlun-t255");
            assertThat(ManagedProcesses.isRunning(sleeper)).isFalse();
        }
    }

    private static void connectToSsh(NamespaceMachine machine) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(machine.address(), 22), CONNECT_TIMEOUT_MILLIS);
        }
    }

    /** The first line the target's sshd sends to a connection made from inside {@code from}. */
    private static String sshBannerFrom(NamespaceMachine from, NamespaceMachine target) {
        Programs.Result banner = from.run(List.of("timeout", "5", "bash", "-c",
                "exec 3<>/dev/tcp/" + target.address() + "/22 && head -n 1 <&3"), Map.of());
        assertThat(banner.succeeded()).as(banner.output()).isTrue();
        return banner.output();
    }

    private static ProcessHandle backgroundSleepIn(NamespaceMachine machine) {
        Programs.Result started = machine.run(BACKGROUND_SLEEP, Map.of());
        assertThat(started.succeeded()).as(started.output()).isTrue();
        return ProcessHandle.of(Long.parseLong(started.output().strip())).orElseThrow();
    }

    private static List<String> namespacesNow() {
        return Programs.run(List.of("ip", "netns", "list")).lines().map(line -> line.split(" ")[0]).toList();
    }

    /** The network's number, from its host link's name {@code kunlun-t<i>}. */
    private static int networkIndex(TestNetwork network) {
        return Integer.parseInt(network.hostLink().substring("kunlun-t".length()));
    }

    /** The pid of a process that has ended, as a killed test JVM's is. */
    private static long deadPid() throws InterruptedException, IOException {
        Process ended = new ProcessBuilder("true").start();
        ended.waitFor();
        return ended.pid();
    }
}
