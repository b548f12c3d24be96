package io.kunlun.core.hosts;

import io.kunlun.core.ManagerException;
import io.kunlun.core.ManagerException.Code;
import io.kunlun.core.config.ManagerConfig.SshConfig;
import io.kunlun.core.config.ManagerConfig.SshTarget;
import net.schmizz.sshj.SSHClient;
import net.schmizz.sshj.common.SSHException;
import net.schmizz.sshj.connection.ConnectionException;
import net.schmizz.sshj.connection.channel.direct.Session;
import net.schmizz.sshj.connection.channel.direct.Signal;
import net.schmizz.sshj.userauth.UserAuthException;
import net.schmizz.sshj.userauth.keyprovider.KeyProvider;

import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A machine reached over SSH with SSHJ. One authenticated connection carries every command, one
 * session each, and is opened again when it has dropped. Commands run as their shell line with
 * every word quoted, so the remote shell only splits words and never interprets an argument, under
 * timeout(1) so that the machine stops a command that overruns.
 */
public final class SshHost implements HostAccess {
    /** OpenSSH's sshd allows 10 sessions per connection (MaxSessions); stay below it. */
    private static final int MAX_CONCURRENT_COMMANDS = 8;
    /** What OpenSSH's ssh client answers when the remote side reports no exit status. */
    private static final int NO_EXIT_STATUS = 255;
    /** timeout(1)'s exit status when it stopped the command with TERM, and with KILL. */
    private static final Set<Integer> TIMED_OUT = Set.of(124, 128 + 9);
    /** timeout(1) sends TERM first, then KILL this much later to a command that ignores TERM. */
    private static final int KILL_AFTER_SECONDS = 2;
    /** How long past the command's timeout the machine gets to stop it and say so. */
    private static final Duration REMOTE_STOP_GRACE = Duration.ofSeconds(KILL_AFTER_SECONDS + 5);

    private final String address;
    private final SshConfig config;
    private final SshTarget target;
    private final Semaphore sessions = new Semaphore(MAX_CONCURRENT_COMMANDS, true);
    /** Guarded by this. */
    private SSHClient client;
    /** Guarded by this. */
    private boolean closed;

    /** Connects lazily, on the first command. */
    public SshHost(String address, SshConfig config) {
        this.address = address;
        this.config = config;
        this.target = config.target(address);
    }

    @Override
    public String address() {
        return address;
    }

    @Override
    public CommandResult run(Command command) {
        try {
            Optional<SessionWait.Bound> bound = SessionWait.bound();
            if (bound.isEmpty()) {
                sessions.acquire();
            } else if (!sessions.tryAcquire(bound.get().remainingNanos(), TimeUnit.NANOSECONDS)) {
                throw new ManagerException(Code.HOST_UNREACHABLE, address + ": all " + MAX_CONCURRENT_COMMANDS
                        + " ssh sessions are busy with other commands; gave up waiting for one after "
                        + bound.get().limit().toSeconds() + " s");
            }
        } catch (InterruptedException e) {
            throw interrupted(command);
        }
        try {
            Session session = openSession();
            try {
                return execute(session, command);
            } finally {
                closeQuietly(session);
            }
        } finally {
            sessions.release();
        }
    }

    private static void closeQuietly(Session session) {
        try {
            session.close();
        } catch (IOException e) {
            // The command has ended; a session that cannot be closed cleanly is gone anyway.
        }
    }

    private Session openSession() {
        SSHClient current = connected();
        try {
            return current.startSession();
        } catch (SSHException | IllegalStateException e) {
            // The connection dropped since its last use and nothing was sent on it yet, so one
            // fresh connection is safe. SSHJ answers IllegalStateException ("Not connected") when
            // its transport saw the drop between our check of the connection and this call.
            discard(current);
            try {
                return connected().startSession();
            } catch (SSHException | IllegalStateException again) {
                throw unreachable("ssh session could not be opened: " + describe(again));
            }
        }
    }

    private CommandResult execute(Session session, Command command) {
        Session.Command remote;
        long start = System.nanoTime();
        try {
            remote = session.exec(boundedShellLine(command));
        } catch (SSHException e) {
            throw lost(command, e);
        }
        CompletableFuture<String> out = CommandStreams.readAll(remote.getInputStream());
        CompletableFuture<String> err = CommandStreams.readAll(remote.getErrorStream());
        CommandStreams.send(() -> sendInput(remote, command.stdin()));
        long deadline = start + command.timeout().plus(REMOTE_STOP_GRACE).toNanos();
        try {
            String stdout = out.get(remaining(deadline), TimeUnit.NANOSECONDS);
            String stderr = err.get(remaining(deadline), TimeUnit.NANOSECONDS);
            remote.join(remaining(deadline), TimeUnit.NANOSECONDS);
            Integer status = remote.getExitStatus();
            if (status == null) {
                Signal signal = remote.getExitSignal();
                String reason = signal == null ? "no exit status" : "killed by signal " + signal;
                return new CommandResult(NO_EXIT_STATUS, stdout,
                        stderr.isEmpty() || stderr.endsWith("\n") ? stderr + reason : stderr + "\n" + reason);
            }
            if (TIMED_OUT.contains(status) && System.nanoTime() - start >= command.timeout().toNanos()) {
                throw command.timedOut(address);
            }
            return new CommandResult(status, stdout, stderr);
        } catch (TimeoutException e) {
            abandon(remote);
            throw command.timedOut(address);
        } catch (ExecutionException e) {
            throw lost(command, e.getCause());
        } catch (InterruptedException e) {
            abandon(remote);
            throw interrupted(command);
        } catch (SSHException e) {
            if (remaining(deadline) == 0) {
                abandon(remote);
                throw command.timedOut(address);
            }
            throw lost(command, e);
        }
    }

    /**
     * Sends the input packet by packet, then its end. SSHJ stops waiting for room in the server's
     * window after the connection timeout, while a busy command may leave its input unread for
     * longer; a packet is then offered again for as long as the session lasts, never dropped, so a
     * command never takes part of its input for all of it. SSHJ's close() would also drop what is
     * still buffered when the window is full: every packet is flushed first.
     */
    private static void sendInput(Session.Command remote, byte[] input) throws IOException {
        OutputStream stream = remote.getOutputStream();
        int packetSize = remote.getRemoteMaxPacketSize();
        for (int offset = 0; offset < input.length; offset += packetSize) {
            stream.write(input, offset, Math.min(packetSize, input.length - offset));
            flushPatiently(remote, stream);
        }
        stream.close();
    }

    private static void flushPatiently(Session.Command remote, OutputStream stream) throws IOException {
        while (true) {
            try {
                stream.flush();
                return;
            } catch (ConnectionException e) {
                if (!remote.isOpen() || Thread.currentThread().isInterrupted()) {
                    throw e;
                }
            }
        }
    }

    /**
     * The command line under coreutils' timeout, so the machine itself stops a command that
     * overruns, with everything it started: sshd does not deliver signals to sessions of root
     * (OpenSSH 9.2: "session signalling requires privilege separation") and keeps running a
     * command whose channel was closed.
     */
    private static String boundedShellLine(Command command) {
        long millis = Math.max(1, command.timeout().toMillis());
        String seconds = BigDecimal.valueOf(millis, 3).stripTrailingZeros().toPlainString();
        return "timeout -k " + KILL_AFTER_SECONDS + " " + seconds + " " + command.toShellLine();
    }

    private static long remaining(long deadline) {
        return Math.max(0, deadline - System.nanoTime());
    }

    /** Gives up on a command that the machine did not stop in time; its session is closed. */
    private static void abandon(Session.Command remote) {
        try {
            remote.close();
        } catch (IOException e) {
            // The session is already gone, which is what we want.
        }
    }

    private synchronized SSHClient connected() {
        if (closed) {
            throw unreachable("ssh access was closed");
        }
        if (client == null || !client.isConnected() || !client.isAuthenticated()) {
            discard(client);
            client = connect();
        }
        return client;
    }

    private synchronized void discard(SSHClient dropped) {
        if (dropped == null) {
            return;
        }
        if (client == dropped) {
            client = null;
        }
        try {
            dropped.disconnect();
        } catch (IOException e) {
            // The connection is being abandoned anyway.
        }
    }

    private SSHClient connect() {
        int timeoutMillis = config.connectTimeoutSeconds() * 1000;
        SSHClient ssh = new SSHClient();
        ssh.setConnectTimeout(timeoutMillis);
        // The server's identification line is read with the socket timeout; key exchange,
        // authentication and opening sessions wait for the transport and connection timeouts.
        ssh.setTimeout(timeoutMillis);
        ssh.getTransport().setTimeoutMs(timeoutMillis);
        ssh.getConnection().setTimeoutMs(timeoutMillis);
        KnownHostsVerifier verifier;
        KeyProvider key;
        try {
            verifier = new KnownHostsVerifier(config.knownHosts(), config.trustOnFirstUse());
        } catch (IOException e) {
            throw unreachable("cannot read known_hosts " + config.knownHosts() + ": " + describe(e));
        }
        if (!Files.isRegularFile(config.privateKey())) {
            throw unreachable("ssh private key " + config.privateKey() + " does not exist");
        }
        try {
            key = ssh.loadKeys(config.privateKey().toString());
        } catch (IOException e) {
            throw unreachable("cannot read ssh private key " + config.privateKey() + ": " + describe(e));
        }
        ssh.addHostKeyVerifier(verifier);
        try {
            ssh.connect(address, target.port());
            // Commands are short exchanges of small packets, which Nagle's algorithm holds back.
            ssh.getSocket().setTcpNoDelay(true);
            ssh.authPublickey(target.user(), key);
            return ssh;
        } catch (IOException e) {
            discardQuietly(ssh);
            throw connectFailure(e, verifier);
        }
    }

    private static void discardQuietly(SSHClient ssh) {
        try {
            ssh.disconnect();
        } catch (IOException e) {
            // Nothing was established worth closing cleanly.
        }
    }

    private ManagerException connectFailure(IOException e, KnownHostsVerifier verifier) {
        switch (verifier.refusal()) {
            case CHANGED_KEY:
                return unreachable("host key does not match known_hosts (" + verifier.file() + "); refusing to connect");
            case UNKNOWN_HOST:
                return unreachable("host key unknown and trust_on_first_use is off; add it to " + verifier.file());
            case UNRECORDED:
                return unreachable("cannot add the host key to known_hosts " + verifier.file() + ": "
                        + verifier.unrecordedReason());
            case NONE:
                break;
        }
        if (e instanceof UserAuthException) {
            return unreachable("ssh authentication as " + target.user() + " failed with key " + config.privateKey());
        }
        if (causedBy(e, ConnectException.class)) {
            return unreachable("ssh connection refused on port " + target.port());
        }
        if (causedBy(e, SocketTimeoutException.class) || causedBy(e, TimeoutException.class)) {
            return unreachable("ssh connect timed out after " + config.connectTimeoutSeconds() + " s");
        }
        return unreachable("ssh connection to port " + target.port() + " failed: " + describe(e));
    }

    private static boolean causedBy(Throwable error, Class<? extends Throwable> type) {
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (type.isInstance(cause)) {
                return true;
            }
        }
        return false;
    }

    private static String describe(Throwable error) {
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }

    private ManagerException unreachable(String reason) {
        return new ManagerException(Code.HOST_UNREACHABLE, address + ": " + reason);
    }

    private ManagerException lost(Command command, Throwable cause) {
        return new ManagerException(Code.HOST_UNREACHABLE, address + ": ssh connection lost while running "
                + command.argv().get(0) + ": " + describe(cause), cause);
    }

    private ManagerException interrupted(Command command) {
        Thread.currentThread().interrupt();
        return new ManagerException(Code.INTERRUPTED, address + ": interrupted while running " + command.argv().get(0));
    }

    @Override
    public synchronized void close() {
        closed = true;
        discard(client);
    }
}
