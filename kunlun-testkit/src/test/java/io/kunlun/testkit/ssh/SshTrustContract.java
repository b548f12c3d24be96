package io.kunlun.testkit.ssh;

import io.kunlun.core.ManagerException;
import io.kunlun.core.config.ManagerConfig.SshConfig;
import io.kunlun.core.hosts.Command;
import io.kunlun.core.hosts.SshHost;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** Whom SshHost trusts and how it proves who it is, the same against every SSH server. */
abstract class SshTrustContract {
    @TempDir
    Path directory;

    protected abstract LoopbackSshServer server();

    /** The key the server accepts. */
    protected abstract SshKeys clientKeys();

    /** A key of the server's host key type that is neither the client's nor the server's. */
    protected abstract SshKeys strangerKeys();

    private Path knownHosts() {
        return directory.resolve("known_hosts");
    }

    private ManagerException refusal(SshConfig config) {
        try (SshHost host = new SshHost(server().address(), config)) {
            return catchThrowableOfType(ManagerException.class, () -> host.run(Command.of("true")));
        }
    }

    @Test
    void trustOnFirstUseAcceptsAnUnknownHostAndRecordsItsKey() throws Exception {
        try (SshHost host = new SshHost(server().address(), server().sshConfig(clientKeys(), knownHosts(), true))) {
            assertThat(host.run(Command.of("true")).exitCode()).isZero();
        }

        assertThat(Files.readString(knownHosts())).isEqualTo(server().knownHostsLine() + "\n");
    }

    @Test
    void aRecordedHostKeyIsAcceptedWithoutTrustOnFirstUse() throws Exception {
        Files.writeString(knownHosts(), server().knownHostsLine() + "\n");

        try (SshHost host = new SshHost(server().address(), server().sshConfig(clientKeys(), knownHosts(), false))) {
            assertThat(host.run(Command.of("echo", "trusted")).stdout()).isEqualTo("trusted\n");
        }
    }

    @Test
    void anUnknownHostIsRefusedWithoutTrustOnFirstUse() {
        ManagerException error = refusal(server().sshConfig(clientKeys(), knownHosts(), false));

        assertThat(error.code()).isEqualTo(ManagerException.Code.HOST_UNREACHABLE);
        assertThat(error).hasMessage(server().address() + ": host key unknown and trust_on_first_use is off; add it to "
                + knownHosts());
        assertThat(knownHosts()).doesNotExist();
    }

    @Test
    void aChangedHostKeyIsRefusedEvenWithTrustOnFirstUse() throws Exception {
        String recorded = "[" + server().address() + "]:" + server().port() + " " + strangerKeys().keyWithoutComment() + "\n";
        Files.writeString(knownHosts(), recorded);

        ManagerException error = refusal(server().sshConfig(clientKeys(), knownHosts(), true));

        assertThat(error.code()).isEqualTo(ManagerException.Code.HOST_UNREACHABLE);
        assertThat(error).hasMessage(server().address() + ": host key does not match known_hosts (" + knownHosts()
                + "); refusing to connect");
        assertThat(knownHosts()).hasContent(recorded.strip());
    }

    @Test
    void aKeyTheServerDoesNotAcceptFailsAuthentication() {
        ManagerException error = refusal(server().sshConfig(strangerKeys(), knownHosts(), true));

        assertThat(error.code()).isEqualTo(ManagerException.Code.HOST_UNREACHABLE);
        assertThat(error).hasMessage(server().address() + ": ssh authentication as " + System.getProperty("user.name")
                + " failed with key " + strangerKeys().privateKey());
    }
}
