package io.kunlun.testkit.ssh;

import org.apache.sshd.common.config.keys.AuthorizedKeyEntry;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.SessionListener;
import org.apache.sshd.common.session.helpers.AbstractSession;
import org.apache.sshd.server.SshServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Apache MINA SSHD on a loopback address and a free port, in this JVM: it accepts one public key
 * (for any user name) and runs every exec request with {@code sh -c} as the current user. It
 * counts the connections it accepted, so a test can see that a client reuses one.
 *
 * <pre>{@code
 * try (SshKeys keys = SshKeys.generate(SshKeys.Type.ECDSA);
 *      MinaSshServer server = MinaSshServer.start("127.0.0.20", keys.publicKeyLine())) {
 *     SshConfig ssh = server.sshConfig(keys, knownHosts, true);
 * }
 * }</pre>
 */
public final class MinaSshServer implements LoopbackSshServer {
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

    private final SshServer server;
    private final String address;
    private final PublicKey hostKey;
    private final AtomicInteger connections;

    private MinaSshServer(SshServer server, String address, PublicKey hostKey, AtomicInteger connections) {
        this.server = server;
        this.address = address;
        this.hostKey = hostKey;
        this.connections = connections;
    }

    /** Starts a server with a new ECDSA host key that accepts the key of this authorized_keys line. */
    public static MinaSshServer start(String address, String authorizedKeyLine) {
        PublicKey authorized;
        KeyPair hostKeyPair;
        try {
            authorized = AuthorizedKeyEntry.parseAuthorizedKeyEntry(authorizedKeyLine)
                    .resolvePublicKey(null, PublicKeyEntryResolver.FAILING);
            hostKeyPair = KeyUtils.generateKeyPair(KeyPairProvider.ECDSA_SHA2_NISTP256, 256);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot use the key " + authorizedKeyLine + ": " + e, e);
        }
        AtomicInteger connections = new AtomicInteger();
        SshServer server = SshServer.setUpDefaultServer();
        server.setHost(address);
        server.setPort(0);
        server.setKeyPairProvider(KeyPairProvider.wrap(hostKeyPair));
        server.setPublickeyAuthenticator((user, key, session) -> KeyUtils.compareKeys(authorized, key));
        server.setCommandFactory((channel, commandLine) -> new ShellExecCommand(commandLine));
        server.addSessionListener(new SessionListener() {
            @Override
            public void sessionCreated(Session session) {
                connections.incrementAndGet();
            }
        });
        try {
            server.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start MINA SSHD on " + address, e);
        }
        return new MinaSshServer(server, address, hostKeyPair.getPublic(), connections);
    }

    @Override
    public String address() {
        return address;
    }

    @Override
    public int port() {
        return server.getPort();
    }

    @Override
    public String hostKey() {
        return PublicKeyEntry.toString(hostKey);
    }

    /** TCP connections accepted since the start. */
    public int connectionsAccepted() {
        return connections.get();
    }

    /** Closes every open connection at once, as a server restart or a network failure would. */
    public void dropConnections() {
        for (AbstractSession session : server.getActiveSessions()) {
            try {
                session.close(true).await(CLOSE_TIMEOUT);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot close a connection of MINA SSHD on " + address, e);
            }
        }
    }

    @Override
    public void close() {
        try {
            server.stop(true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot stop MINA SSHD on " + address, e);
        }
    }
}
