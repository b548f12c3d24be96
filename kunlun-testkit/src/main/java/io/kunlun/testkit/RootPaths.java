package io.kunlun.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The four root paths a test machine gives its instances, in a fresh temporary directory, and
 * their removal with every instance left running under them. Database instances run as the
 * account {@value LoopbackMachines#INSTANCE_ACCOUNT}: when the tests run as root and that account
 * exists, the paths belong to it.
 */
public final class RootPaths {
    private static final Duration KILL_WAIT = Duration.ofSeconds(10);

    private RootPaths() {
    }

    /** Fresh, empty root paths for the machine at this address. */
    public static LoopbackMachine create(String address) {
        Path root = TempDirs.create("kunlun-" + address + "-");
        try {
            // Readable by all, so that the instance account can reach the paths below.
            Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
            LoopbackMachine machine = new LoopbackMachine(address, root,
                    Files.createDirectory(root.resolve("datadir")),
                    Files.createDirectory(root.resolve("logdir")),
                    Files.createDirectory(root.resolve("wal_log_dir")),
                    Files.createDirectory(root.resolve("comp_datadir")));
            Optional<UserPrincipal> owner = instanceAccountWhenRoot();
            if (owner.isPresent()) {
                for (Path path : List.of(machine.datadir(), machine.logdir(), machine.walLogDir(),
                        machine.compDatadir())) {
                    Files.setOwner(path, owner.get());
                }
            }
            return machine;
        } catch (IOException e) {
            try {
                TempDirs.delete(root);
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw new UncheckedIOException("cannot prepare the paths of " + address + " under " + root, e);
        }
    }

    /** Kills every instance left running under the machine's paths, then deletes them. */
    public static void remove(LoopbackMachine machine) {
        try {
            killInstancesUnder(machine.root());
            TempDirs.delete(machine.root());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the paths of " + machine.hostaddr() + " under "
                    + machine.root(), e);
        }
    }

    /**
     * Database servers run detached from the test, so a failed test can leave one behind: every
     * process whose command line names a path under the machine's root goes with the machine.
     * Also for tests whose instances live under directories of their own.
     */
    public static void killInstancesUnder(Path root) {
        String prefix = root.toString() + "/";
        List<ProcessHandle> leftovers = ProcessHandle.allProcesses()
                .filter(process -> process.info().commandLine().orElse("").contains(prefix))
                .toList();
        leftovers.forEach(ProcessHandle::destroyForcibly);
        long deadline = System.nanoTime() + KILL_WAIT.toNanos();
        while (leftovers.stream().anyMatch(ManagedProcesses::isRunning) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static Optional<UserPrincipal> instanceAccountWhenRoot() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return Optional.empty();
        }
        try {
            return Optional.of(FileSystems.getDefault().getUserPrincipalLookupService()
                    .lookupPrincipalByName(LoopbackMachines.INSTANCE_ACCOUNT));
        } catch (IOException noSuchAccount) {
            return Optional.empty();
        }
    }
}
