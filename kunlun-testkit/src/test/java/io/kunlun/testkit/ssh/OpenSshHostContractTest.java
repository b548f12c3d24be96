package io.kunlun.testkit.ssh;

import io.kunlun.core.hosts.HostAccess;
import io.kunlun.core.hosts.SshHost;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

class OpenSshHostContractTest extends HostAccessContract {
    @TempDir
    static Path clientDirectory;
    private static SshKeys keys;
    private static OpenSshServer server;
    private static SshHost host;

    @BeforeAll
    static void start() {
        keys = SshKeys.generate(SshKeys.Type.ED25519);
        server = OpenSshServer.start("127.0.0.22", keys.publicKeyLine());
        host = new SshHost(server.address(), server.sshConfig(keys, clientDirectory.resolve("known_hosts"), true));
    }

    @AfterAll
    static void stop() {
        host.close();
        server.close();
        keys.close();
    }

    @Override
    protected HostAccess host() {
        return host;
    }
}
