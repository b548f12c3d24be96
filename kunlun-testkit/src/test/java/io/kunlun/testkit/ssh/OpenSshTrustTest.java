package io.kunlun.testkit.ssh;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

class OpenSshTrustTest extends SshTrustContract {
    private static SshKeys client;
    private static SshKeys stranger;
    private static OpenSshServer server;

    @BeforeAll
    static void start() {
        client = SshKeys.generate(SshKeys.Type.ED25519);
        stranger = SshKeys.generate(SshKeys.Type.ED25519);
        server = OpenSshServer.start("127.0.0.24", client.publicKeyLine());
    }

    @AfterAll
    static void stop() {
        server.close();
        stranger.close();
        client.close();
    }

    @Override
    protected LoopbackSshServer server() {
        return server;
    }

    @Override
    protected SshKeys clientKeys() {
        return client;
    }

    @Override
    protected SshKeys strangerKeys() {
        return stranger;
    }
}
