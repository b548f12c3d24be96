package io.kunlun.testkit.ssh;

import io.kunlun.core.config.ManagerConfig.SshConfig;
import io.kunlun.core.config.ManagerConfig.SshTarget;

import java.nio.file.Path;
import java.util.Map;

/** An SSH server on one loopback address of this machine, started by a test and closed by it. */
public interface LoopbackSshServer extends AutoCloseable {
    /** The loopback address it listens on, e.g. {@code 127.0.0.20}: the machine's hostaddr. */
    String address();

    int port();

    /** The server's host key as {@code <type> <base64>}. */
    String hostKey();

    /** The line known_hosts holds for this server: {@code [127.0.0.20]:40123 <type> <base64>}. */
    default String knownHostsLine() {
        return "[" + address() + "]:" + port() + " " + hostKey();
    }

    /**
     * How the manager reaches this server as the current user with the client's key: its address
     * is named in {@code hosts}, so it is reached over SSH although it is a loopback address.
     */
    default SshConfig sshConfig(SshKeys client, Path knownHosts, boolean trustOnFirstUse) {
        return new SshConfig(null, 0, client.privateKey(), knownHosts, trustOnFirstUse, 0,
                Map.of(address(), new SshTarget(port(), null)));
    }

    /** Stops the server and every process it started; removes its files. */
    @Override
    void close();
}
