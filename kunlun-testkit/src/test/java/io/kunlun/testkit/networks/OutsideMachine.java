package io.kunlun.testkit.networks;

import com.fasterxml.jackson.databind.JsonNode;
import io.kunlun.core.config.ManagerConfig;
import io.kunlun.testkit.LoopbackMachine;
import io.kunlun.testkit.LoopbackMachines;
import io.kunlun.testkit.TempDirs;
import io.kunlun.testkit.TestManager;
import io.kunlun.testkit.cluster.ClusterFixture;
import io.kunlun.testkit.ssh.MinaSshServer;
import io.kunlun.testkit.ssh.SshKeys;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * This machine under its non-loopback IPv4 address, as a machine a cluster never used: the
 * manager reaches it over SSH (MINA SSHD bound to that address, a key of its own), and
 * connections bound to that address leave from it, as they would from another machine. It has
 * fresh root paths for instances. Closing stops the server, kills any instance left under the
 * paths and deletes them, after stopping the manager it started.
 */
final class OutsideMachine implements AutoCloseable {
    private final SshKeys keys;
    private final MinaSshServer server;
    private final LoopbackMachine paths;
    private TestManager manager;

    private OutsideMachine(SshKeys keys, MinaSshServer server, LoopbackMachine paths) {
        this.keys = keys;
        this.server = server;
        this.paths = paths;
    }

    static OutsideMachine start() {
        String address = nonLoopbackAddress();
        SshKeys keys = SshKeys.generate(SshKeys.Type.ECDSA);
        MinaSshServer server = null;
        Path root = TempDirs.create("kunlun-outside-");
        try {
            server = MinaSshServer.start(address, keys.publicKeyLine());
            return new OutsideMachine(keys, server, prepare(address, root));
        } catch (RuntimeException e) {
            if (server != null) {
                server.close();
            }
            keys.close();
            deleteQuietly(root, e);
            throw e;
        }
    }

    String address() {
        return paths.hostaddr();
    }

    /** The machine as create_machine registers it: its address and root paths. */
    LoopbackMachine machine() {
        return paths;
    }

    /**
     * Starts a manager that exposes credentials and reaches this machine over SSH (trusting its
     * key on first use), with the test's own further settings, and registers this machine with it.
     */
    TestManager startManager(UnaryOperator<ManagerConfig> settings) {
        Path knownHosts = paths.root().resolve("known_hosts");
        manager = TestManager.builder().configure(config -> settings.apply(config.withExposeCredentials(true)
                .withSsh(server.sshConfig(keys, knownHosts, true)))).build().start();
        ClusterFixture.register(manager, List.of(paths));
        return manager;
    }

    /** A connection to a storage node as the cluster's admin (from get_storage), leaving from this machine. */
    Connection mariadb(JsonNode node) throws SQLException {
        return DriverManager.getConnection("jdbc:mariadb://" + node.get("ip").asText() + ":"
                + node.get("port").asText() + "/?localSocketAddress=" + address(), node.get("user").asText(),
                node.get("pwd").asText());
    }

    /** A connection to a comp's client database as the cluster's admin (from get_computer), leaving from this machine. */
    Connection postgres(JsonNode comp) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://" + comp.get("ip").asText() + ":"
                + comp.get("port").asText() + "/kunlun?localSocketAddress=" + address(), comp.get("user").asText(),
                comp.get("pwd").asText());
    }

    @Override
    public void close() {
        try {
            if (manager != null) {
                manager.close();
            }
        } finally {
            closeServerAndPaths();
        }
    }

    private void closeServerAndPaths() {
        try {
            server.close();
        } finally {
            keys.close();
            killInstancesUnder(paths.root());
            deleteQuietly(paths.root(), null);
        }
    }

    /**
     * This machine's first IPv4 address that is not loopback. Without one nothing here can be
     * shown, so the test fails saying why rather than passing.
     */
    static String nonLoopbackAddress() {
        try {
            for (NetworkInterface networkInterface : NetworkInterface.networkInterfaces().toList()) {
                if (networkInterface.isUp() && !networkInterface.isLoopback()) {
                    for (InetAddress address : networkInterface.inetAddresses().toList()) {
                        if (address instanceof Inet4Address && !address.isLoopbackAddress()) {
                            return address.getHostAddress();
                        }
                    }
                }
            }
        } catch (SocketException e) {
            throw new IllegalStateException("cannot list this machine's network interfaces", e);
        }
        throw new IllegalStateException("this machine has no IPv4 address besides loopback, so no connection can"
                + " come from a machine the cluster never used: give it one (any up interface) to run this test");
    }

    /** The four root paths, readable on the way down and owned by the instance account when the test runs as root. */
    private static LoopbackMachine prepare(String address, Path root) {
        try {
            Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
            LoopbackMachine machine = new LoopbackMachine(address, root,
                    Files.createDirectory(root.resolve("datadir")), Files.createDirectory(root.resolve("logdir")),
                    Files.createDirectory(root.resolve("wal_log_dir")),
                    Files.createDirectory(root.resolve("comp_datadir")));
            if ("root".equals(System.getProperty("user.name"))) {
                UserPrincipal owner = FileSystems.getDefault().getUserPrincipalLookupService()
                        .lookupPrincipalByName(LoopbackMachines.INSTANCE_ACCOUNT);
                for (Path path : List.of(machine.datadir(), machine.logdir(), machine.walLogDir(),
                        machine.compDatadir())) {
                    Files.setOwner(path, owner);
                }
            }
            return machine;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the paths of " + address + " under " + root, e);
        }
    }

    /** Instances run detached: one a failed test left behind goes with the paths it names. */
    private static void killInstancesUnder(Path root) {
        String prefix = root + "/";
        List<ProcessHandle> leftovers = ProcessHandle.allProcesses()
                .filter(process -> process.info().commandLine().orElse("").contains(prefix)).toList();
        leftovers.forEach(ProcessHandle::destroyForcibly);
        leftovers.forEach(process -> process.onExit().completeOnTimeout(process, 10, TimeUnit.SECONDS).join());
    }

    private static void deleteQuietly(Path root, RuntimeException failure) {
        try {
            TempDirs.delete(root);
        } catch (IOException e) {
            if (failure == null) {
                throw new UncheckedIOException("cannot delete " + root, e);
            }
            failure.addSuppressed(e);
        }
    }
}
