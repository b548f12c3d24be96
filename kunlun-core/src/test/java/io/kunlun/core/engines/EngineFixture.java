package io.kunlun.core.engines;

import io.kunlun.core.hosts.Command;
import io.kunlun.core.hosts.LocalHost;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One loopback machine for engine tests: a temporary root directory the instance account can
 * reach, free ports found at run time, and every instance made through it removed on close,
 * whatever happened in between.
 */
final class EngineFixture implements AutoCloseable {
    static final EngineConfig CONFIG = EngineConfig.defaults();
    /** The job the fixture's instances are made by, as their maker files say. */
    static final String MAKER = "engine-test";
    /** Shared by every fixture of the test JVM, as one manager shares its own; its idle threads end by themselves. */
    static final Transfers TRANSFERS = new Transfers();
    /** Ports handed out in this JVM, so that two nodes never get the same block before either listens. */
    private static final Set<Integer> HANDED_OUT = new HashSet<>();

    final LocalHost host;
    final Path root;
    final StorageEngine storage = new StorageEngine(CONFIG, TRANSFERS);
    final ComputeEngine compute = new ComputeEngine(CONFIG);
    private final List<Runnable> removals = new ArrayList<>();

    EngineFixture(String address) {
        host = new LocalHost(address);
        try {
            root = Files.createTempDirectory("kunlun-engines-");
            Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ClusterUsers users() {
        // Quotes and backslashes in passwords prove they are quoted on their way into SQL.
        return new ClusterUsers(new Credential("clusteradmin", "adm'in\\pass\"" + ThreadLocalRandom.current().nextInt()),
                new Credential("replicator", "repl'pass" + ThreadLocalRandom.current().nextInt()),
                new Credential("monitor", "mon\\pass" + ThreadLocalRandom.current().nextInt()),
                List.of("10.20.0.0/16"));
    }

    /** A storage node with free ports under this machine's root, removed on close. */
    StorageNode storageNode() {
        int first = freePorts(StoragePorts.COUNT);
        StorageNode node = new StorageNode(host, StoragePorts.from(first),
                StorageLayout.under(root + "/data", root + "/log", root + "/wal", first), "");
        removals.add(() -> storage.remove(node, MAKER));
        return node;
    }

    StorageInstall standalone(StorageNode node, ClusterUsers users) {
        return new StorageInstall(node, new StorageSettings(1, 64, 100), ReplicationMode.standalone(), users, MAKER);
    }

    /** A compute node with a free port under this machine's root, removed on close. */
    ComputeNode computeNode() {
        int port = freePorts(1);
        ComputeNode node = new ComputeNode(host, port, ComputeLayout.under(root + "/comp", port), "");
        removals.add(() -> compute.remove(node, MAKER));
        return node;
    }

    ComputeInstall computeInstall(ComputeNode node, ClusterUsers users) {
        return new ComputeInstall(node, new ComputeSettings(50, 32, "appdb"), users, MAKER);
    }

    boolean exists(String path) {
        return host.exists(path);
    }

    /** Every process on the machine whose command line mentions this fixture's root. */
    List<String> processesUnderRoot() {
        return host.check(Command.of("ps", "-ww", "-e", "-o", "pid=,args=")).stdout().lines()
                .filter(line -> line.contains(root.toString())).toList();
    }

    /**
     * A block of consecutive ports nobody listens on, from a random start well below the
     * ephemeral range, so that concurrent test runs rarely even try the same ones.
     */
    int freePorts(int count) {
        synchronized (HANDED_OUT) {
            Set<Integer> listening = PortProbe.listeningPorts(host);
            while (true) {
                int first = 20000 + ThreadLocalRandom.current().nextInt(10000);
                List<Integer> block = new ArrayList<>();
                for (int port = first; port < first + count; port++) {
                    block.add(port);
                }
                if (block.stream().noneMatch(port -> listening.contains(port) || HANDED_OUT.contains(port))) {
                    HANDED_OUT.addAll(block);
                    return first;
                }
            }
        }
    }

    @Override
    public void close() {
        RuntimeException failure = null;
        for (int i = removals.size() - 1; i >= 0; i--) {
            try {
                removals.get(i).run();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        // What a removal refused or missed (a test that replaced a node's files) must not outlive the run.
        List<String> leftover = processesUnderRoot().stream().map(line -> line.strip().split("\\s+", 2)[0]).toList();
        if (!leftover.isEmpty()) {
            List<String> kill = new ArrayList<>(List.of("kill", "-KILL", "--"));
            kill.addAll(leftover);
            host.run(Command.of(kill.toArray(String[]::new)));
        }
        host.run(Command.of("rm", "-rf", "--", root.toString()));
        if (failure != null) {
            throw failure;
        }
    }
}
