package io.kunlun.testkit.ssh;

import java.io.BufferedReader;
import io.kunlun.testkit.Programs;
import io.kunlun.testkit.TempDirs;

import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * The real OpenSSH server ({@code /usr/sbin/sshd -D -e}) on a loopback address and a free port
 * (or on port 22 of an address inside a network namespace),
 * with its own host key, configuration, authorized_keys and pid file in a temporary directory, so
 * it touches nothing of the machine's own sshd. It accepts one public key; root may log in with a
 * key, since the tests run as root. Closing kills it and every process it started.
 *
 * <pre>{@code
 * try (SshKeys keys = SshKeys.generate(SshKeys.Type.ED25519);
 *      OpenSshServer server = OpenSshServer.start("127.0.0.20", keys.publicKeyLine())) {
 *     SshConfig ssh = server.sshConfig(keys, knownHosts, true);
 * }
 * }</pre>
 */
public final class OpenSshServer implements LoopbackSshServer {
    private static final String SSHD = "/usr/sbin/sshd";
    private static final int SSH_PORT = 22;
    /** sshd running as root refuses to start without its privilege separation directory. */
    private static final Path PRIVILEGE_SEPARATION_DIRECTORY = Path.of("/run/sshd");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);
    /** Another process may take the free port before sshd binds it; then try another. */
    private static final int START_ATTEMPTS = 3;

    private final Process process;
    private final Path directory;
    private final String address;
    private final int port;
    private final String hostKey;

    private OpenSshServer(Process process, Path directory, String address, int port, String hostKey) {
        this.process = process;
        this.directory = directory;
        this.address = address;
        this.port = port;
        this.hostKey = hostKey;
    }

    /** Starts sshd with a new Ed25519 host key that accepts the key of this authorized_keys line. */
    public static OpenSshServer start(String address, String authorizedKeyLine) {
        return start(List.of(), address, () -> LoopbackPorts.free(address), authorizedKeyLine);
    }

    /**
     * Starts sshd inside a network namespace ({@code ip netns exec}) on its address there and
     * SSH's own port 22, which nothing else in a fresh namespace holds, so the machine is reached
     * as any other is; otherwise as {@link #start}. The address must be reachable from here.
     * Root's home on that machine is its own and empty (a tmpfs mounted in the mount namespace
     * ip netns exec gives the server, seen by nothing else): the shell sshd starts for each
     * command reads root's start-up files, which on a developer's host can take seconds.
     */
    public static OpenSshServer startInNamespace(String namespace, String address, String authorizedKeyLine) {
        return start(List.of("ip", "netns", "exec", namespace, "/bin/sh", "-c",
                        "mount -t tmpfs -o mode=0700 machine-root-home /root && exec \"$@\"", "sh"),
                address, () -> SSH_PORT, authorizedKeyLine);
    }

    private static OpenSshServer start(List<String> launcher, String address, IntSupplier freePort,
                                       String authorizedKeyLine) {
        Path directory = TempDirs.create("kunlun-sshd");
        try {
            Path hostKeyFile = directory.resolve("ssh_host_ed25519_key");
            Programs.run(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "kunlun-test-host",
                    "-f", hostKeyFile.toString()));
            String[] hostKeyFields = Files.readString(directory.resolve("ssh_host_ed25519_key.pub")).strip().split(" ");
            Files.writeString(directory.resolve("authorized_keys"), authorizedKeyLine + "\n");
            ensurePrivilegeSeparationDirectory();
            for (int attempt = 1; ; attempt++) {
                int port = freePort.getAsInt();
                Process process = launch(launcher, directory, address, port, hostKeyFile);
                boolean listening = false;
                try {
                    listening = awaitListening(process, address, port);
                } finally {
                    if (!listening) {
                        kill(process);
                    }
                }
                if (listening) {
                    return new OpenSshServer(process, directory, address, port, hostKeyFields[0] + " " + hostKeyFields[1]);
                }
                String log = Files.readString(directory.resolve("sshd.log"));
                if (!log.contains("Address already in use") || attempt == START_ATTEMPTS) {
                    throw new IllegalStateException("sshd did not start on " + address + ":" + port + ": " + log.strip());
                }
            }
        } catch (IOException e) {
            TempDirs.deleteUnchecked(directory);
            throw new UncheckedIOException("cannot start sshd on " + address, e);
        } catch (RuntimeException e) {
            TempDirs.deleteUnchecked(directory);
            throw e;
        }
    }

    private static void ensurePrivilegeSeparationDirectory() throws IOException {
        if ("root".equals(System.getProperty("user.name")) && !Files.isDirectory(PRIVILEGE_SEPARATION_DIRECTORY)) {
            Files.createDirectories(PRIVILEGE_SEPARATION_DIRECTORY,
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        }
    }

    private static Process launch(List<String> launcher, Path directory, String address, int port,
                                  Path hostKeyFile) throws IOException {
        Path config = directory.resolve("sshd_config");
        Files.writeString(config, String.join("\n",
                "ListenAddress " + address,
                "Port " + port,
                "HostKey " + hostKeyFile,
                "AuthorizedKeysFile " + directory.resolve("authorized_keys"),
                "PidFile " + directory.resolve("sshd.pid"),
                "StrictModes no",
                "UsePAM no",
                "PermitRootLogin prohibit-password",
                "PubkeyAuthentication yes",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "AllowTcpForwarding no",
                "X11Forwarding no",
                "PrintMotd no",
                "PrintLastLog no",
                "MaxStartups 100",
                "LogLevel INFO",
                "") );
        List<String> argv = new ArrayList<>(launcher);
        argv.addAll(List.of(SSHD, "-D", "-e", "-f", config.toString()));
        return new ProcessBuilder(argv)
                .redirectErrorStream(true)
                .redirectOutput(directory.resolve("sshd.log").toFile())
                .start();
    }

    /** Waits until the server greets a connection with its SSH identification, or exits. */
    private static boolean awaitListening(Process process, String address, int port) {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline && process.isAlive()) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(address, port), 1000);
                socket.setSoTimeout(2000);
                String greeting = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                        StandardCharsets.US_ASCII)).readLine();
                if (greeting != null && greeting.startsWith("SSH-")) {
                    return true;
                }
            } catch (IOException notYet) {
                pause();
            }
        }
        return false;
    }

    private static void pause() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for sshd", e);
        }
    }

    /**
     * sshd serves each connection in a child process that outlives the listener: kill the
     * children (and the commands they run) with it.
     */
    private static void kill(Process process) {
        List<ProcessHandle> descendants = process.descendants().toList();
        process.destroyForcibly();
        descendants.forEach(ProcessHandle::destroyForcibly);
        try {
            process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String address() {
        return address;
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public String hostKey() {
        return hostKey;
    }

    /** The server's output (-e sends its log to stderr), for diagnosing a failed test. */
    public String log() {
        try {
            return Files.readString(directory.resolve("sshd.log"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        kill(process);
        TempDirs.deleteUnchecked(directory);
    }
}
