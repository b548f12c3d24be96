package io.kunlun.core.hosts;

import io.kunlun.core.ManagerException;
import io.kunlun.core.config.ManagerConfig.SshConfig;
import io.kunlun.core.config.ManagerConfig.SshTarget;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** Failures before any SSH conversation: nothing listens, or something listens and never speaks. */
class SshHostConnectFailureTest {
    private static final String ADDRESS = "127.0.0.20";

    @TempDir
    static Path directory;
    private static Path privateKey;

    @BeforeAll
    static void generateKey() {
        privateKey = directory.resolve("id_ed25519");
        new LocalHost(ADDRESS).check(Command.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", privateKey.toString()));
    }

    @Test
    void aPortWhereNothingListensIsReportedAsConnectionRefused() throws Exception {
        int port;
        try (ServerSocket closedAgain = new ServerSocket(0, 1, InetAddress.getByName(ADDRESS))) {
            port = closedAgain.getLocalPort();
        }
        try (SshHost host = new SshHost(ADDRESS, config(port, 5))) {
            ManagerException error = catchThrowableOfType(ManagerException.class, () -> host.run(Command.of("true")));

            assertThat(error.code()).isEqualTo(ManagerException.Code.HOST_UNREACHABLE);
            assertThat(error).hasMessage(ADDRESS + ": ssh connection refused on port " + port);
        }
    }

    @Test
    void aServerThatNeverSpeaksTimesOutAfterTheConnectTimeout() throws Exception {
        // The kernel completes the TCP handshake for the backlog; nobody ever writes a byte.
        try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getByName(ADDRESS));
             SshHost host = new SshHost(ADDRESS, config(silent.getLocalPort(), 1))) {
            long start = System.nanoTime();
            ManagerException error = catchThrowableOfType(ManagerException.class, () -> host.run(Command.of("true")));
            Duration elapsed = Duration.ofNanos(System.nanoTime() - start);

            assertThat(error.code()).isEqualTo(ManagerException.Code.HOST_UNREACHABLE);
            assertThat(error).hasMessage(ADDRESS + ": ssh connect timed out after 1 s");
            assertThat(elapsed).isBetween(Duration.ofMillis(900), Duration.ofSeconds(4));
        }
    }

    @Test
    void aMissingPrivateKeyIsNamed() {
        Path missing = directory.resolve("no_such_key");
        SshConfig config = new SshConfig(null, 0, missing, directory.resolve("known_hosts"), false, 1,
                Map.of(ADDRESS, new SshTarget(22, null)));
        try (SshHost host = new SshHost(ADDRESS, config)) {
            ManagerException error = catchThrowableOfType(ManagerException.class, () -> host.run(Command.of("true")));

            assertThat(error.code()).isEqualTo(ManagerException.Code.HOST_UNREACHABLE);
            assertThat(error).hasMessage(ADDRESS + ": ssh private key " + missing + " does not exist");
        }
    }

    private static SshConfig config(int port, int connectTimeoutSeconds) {
        return new SshConfig(null, 0, privateKey, directory.resolve("known_hosts"), false, connectTimeoutSeconds,
                Map.of(ADDRESS, new SshTarget(port, null)));
    }
}
