package io.kunlun.testkit.ssh;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

class MinaSshTrustTest extends SshTrustContract {
    private static SshKeys client;
    private static SshKeys stranger;
    private static MinaSshServer server;

    @BeforeAll
    static void start() {
        client = SshKeys.generate(SshKeys.Type.ECDSA);
        stranger = SshKeys.generate(SshKeys.Type.ECDSA);
        server = MinaSshServer.start("127.0.0.23", client.publicKeyLine());
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
