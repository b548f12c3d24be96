package io.kunlun.testkit.meta;

import io.kunlun.core.ManagerException;
import io.kunlun.core.config.ManagerConfig;
import io.kunlun.core.config.ManagerConfig.SshConfig;
import io.kunlun.core.config.ManagerConfig.SshTarget;
import io.kunlun.core.meta.group.MetaGroup;
import io.kunlun.testkit.LoopbackMachine;
import io.kunlun.testkit.LoopbackMachines;
import io.kunlun.testkit.TestPorts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code meta bootstrap} refusals: each names its cause and leaves nothing behind (no instance, no file). */
class MetaBootstrapRefusalTest {
    @RegisterExtension
    LoopbackMachines loopback = LoopbackMachines.of("127.0.0.157", "127.0.0.158");
    @TempDir
    Path dir;
    private final int port = TestPorts.storagePortBase() + 164;

    @Test
    void anEvenNumberOfMachinesIsRefused() {
        assertThatThrownBy(() -> bootstrap(TestPorts.managerConfig(dir), List.of("127.0.0.157", "127.0.0.158"),
                "/var/tmp/kunlun-meta-never"))
                .isInstanceOf(ManagerException.class)
                .hasMessage("a metadata group has 1 member or an odd number of at least 3, got 2: with an even number,"
                        + " half of the group cannot tell whether it is the part that may go on");
        assertThat(configOut()).doesNotExist();
    }

    @Test
    void aDatadirThatIsNotEmptyIsRefusedAndLeftAlone() throws IOException {
        LoopbackMachine machine = loopback.take();
        Path leftover = Files.writeString(machine.datadir().resolve("leftover"), "someone's");

        assertThatThrownBy(() -> bootstrap(TestPorts.managerConfig(dir), List.of(machine.hostaddr()),
                machine.datadir().toString()))
                .isInstanceOf(ManagerException.class)
                .hasMessage(machine.hostaddr() + ": " + machine.datadir() + " is not empty; the metadata group's"
                        + " instances go into an empty or new directory");
        try (var listing = Files.list(machine.datadir())) {
            assertThat(listing.toList()).containsExactly(leftover);
        }
        assertThat(configOut()).doesNotExist();
    }

    @Test
    void anUnreachableMachineIsRefusedBeforeAnythingIsMadeOnTheOthers() throws IOException {
        LoopbackMachine reachable = loopback.take();
        LoopbackMachine unreachable = loopback.take();
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        // The second machine is reached over SSH, on a port where nothing listens.
        ManagerConfig config = TestPorts.managerConfig(dir).withSsh(new SshConfig(null, 0, null, null, false, 2,
                Map.of(unreachable.hostaddr(), new SshTarget(closedPort, "root"))));
        String datadir = reachable.datadir() + "/meta";

        assertThatThrownBy(() -> bootstrap(config, List.of(reachable.hostaddr(), unreachable.hostaddr(),
                "127.0.0.155"), datadir))
                .isInstanceOf(ManagerException.class)
                .satisfies(e -> assertThat(((ManagerException) e).code()).isEqualTo(ManagerException.Code.HOST_UNREACHABLE))
                .hasMessageStartingWith(unreachable.hostaddr() + ": ");
        assertThat(Path.of(datadir)).doesNotExist();
        assertThat(configOut()).doesNotExist();
    }

    private Path configOut() {
        return dir.resolve("manager.json");
    }

    private void bootstrap(ManagerConfig config, List<String> machines, String datadir) {
        try (MetaGroup group = new MetaGroup(config)) {
            group.bootstrap(new MetaGroup.Bootstrap(machines, datadir, port, 64, List.of(), configOut(), null));
        }
    }
}
