package io.kunlun.testkit.ssh;

import io.kunlun.core.config.ManagerConfig.SshConfig;
import io.kunlun.core.hosts.Command;
import io.kunlun.core.hosts.CommandResult;
import io.kunlun.core.hosts.Hosts;
import io.kunlun.core.hosts.LocalHost;
import io.kunlun.core.hosts.SshHost;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** One connection per machine, counted on the server's side. */
class SshHostConnectionTest {
    private static final String ADDRESS = "127.0.0.25";

    @TempDir
    static Path directory;
    private static SshKeys keys;
    private static MinaSshServer server;
    private static SshConfig config;
    private int connectionsBefore;

    @BeforeAll
    static void start() {
        keys = SshKeys.generate(SshKeys.Type.ECDSA);
        server = MinaSshServer.start(ADDRESS, keys.publicKeyLine());
        config = server.sshConfig(keys, directory.resolve("known_hosts"), true);
    }

    @AfterAll
    static void stop() {
        server.close();
        keys.close();
    }

    @BeforeEach
    void countConnections() {
        connectionsBefore = server.connectionsAccepted();
    }

    private int newConnections() {
        return server.connectionsAccepted() - connectionsBefore;
    }

    @Test
    void manyCommandsShareOneConnection() {
        try (SshHost host = new SshHost(ADDRESS, config)) {
            for (int i = 0; i < 20; i++) {
                assertThat(host.run(Command.of("echo", String.valueOf(i))).stdout()).isEqualTo(i + "\n");
            }
        }

        assertThat(newConnections()).isEqualTo(1);
    }

    @Test
    void concurrentCommandsShareOneConnection() throws Exception {
        ExecutorService clients = Executors.newFixedThreadPool(16);
        try (SshHost host = new SshHost(ADDRESS, config)) {
            List<Future<CommandResult>> results = IntStream.range(0, 32)
                    .mapToObj(i -> clients.submit(() -> host.run(Command.of("sh", "-c", "sleep 0.2; echo " + i))))
                    .toList();
            for (int i = 0; i < results.size(); i++) {
                assertThat(results.get(i).get()).isEqualTo(new CommandResult(0, i + "\n", ""));
            }
        } finally {
            clients.shutdownNow();
        }

        assertThat(newConnections()).isEqualTo(1);
    }

    @Test
    void aDroppedConnectionIsOpenedAgainTransparently() {
        try (SshHost host = new SshHost(ADDRESS, config)) {
            host.run(Command.of("true"));
            server.dropConnections();

            assertThat(host.run(Command.of("echo", "again")).stdout()).isEqualTo("again\n");
        }

        assertThat(newConnections()).isEqualTo(2);
    }

    /** Longer than SSHJ waits for room in the server's window: the connect timeout (1 s here). */
    @Test
    void aCommandThatLeavesItsInputUnreadForAWhileStillGetsAllOfIt() {
        SshConfig impatient = new SshConfig(null, 0, config.privateKey(), config.knownHosts(), true, 1, config.hosts());
        byte[] input = new byte[3 << 20];
        Arrays.fill(input, (byte) 'x');

        try (SshHost host = new SshHost(ADDRESS, impatient)) {
            CommandResult result = host.run(Command.of("sh", "-c", "sleep 2; wc -c").withStdin(input));

            assertThat(result.stdout().strip()).isEqualTo(String.valueOf(input.length));
        }
    }

    @Test
    void hostsReachesALoopbackAddressNamedInTheSshConfigurationOverSsh() {
        try (Hosts hosts = new Hosts(config)) {
            assertThat(hosts.get(ADDRESS).run(Command.of("echo", "via ssh")).stdout()).isEqualTo("via ssh\n");
        }

        assertThat(newConnections()).isEqualTo(1);
    }

    @Test
    void hostsReachesAnyOtherLoopbackAddressWithoutSsh() {
        try (Hosts hosts = new Hosts(config)) {
            assertThat(hosts.get("127.0.0.26")).isInstanceOf(LocalHost.class);
            assertThat(hosts.get("127.0.0.26").run(Command.of("echo", "local")).stdout()).isEqualTo("local\n");
        }

        assertThat(newConnections()).isZero();
    }
}
