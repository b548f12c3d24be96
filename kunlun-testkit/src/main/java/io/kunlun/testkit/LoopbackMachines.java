package io.kunlun.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Hands out loopback machines: addresses from a fixed set (tests that run at the same time on one
 * host each use their own addresses) with fresh root paths. An address is handed out once at a
 * time; when a machine is released its paths are deleted and its address can be taken again. A
 * static extension releases its machines when the class ends (as a static {@link TestManager},
 * which remembers them, stops), an instance one when each test ends; {@link #close()} releases
 * all.
 *
 * <p>Database instances run as the account {@value #INSTANCE_ACCOUNT}: when the tests run as root
 * and that account exists, the root paths belong to it.
 *
 * <pre>{@code @RegisterExtension static LoopbackMachines machines = LoopbackMachines.range("127.0.0.30", "127.0.0.33");}</pre>
 */
public final class LoopbackMachines extends ScopedResources<LoopbackMachine> {
    public static final String INSTANCE_ACCOUNT = "kunlun";
    private static final Pattern LOOPBACK_V4 = Pattern.compile("127\\.([0-9]{1,3})\\.([0-9]{1,3})\\.([0-9]{1,3})");

    private final List<String> addresses;
    private final Deque<String> free;

    private LoopbackMachines(List<String> addresses) {
        super(false);
        this.addresses = addresses;
        this.free = new ArrayDeque<>(addresses);
    }

    /** The given addresses, each in 127.0.0.0/8. */
    public static LoopbackMachines of(String... addresses) {
        List<String> list = List.of(addresses);
        list.forEach(LoopbackMachines::octets);
        if (list.isEmpty() || list.stream().distinct().count() != list.size()) {
            throw new IllegalArgumentException("give one or more distinct loopback addresses, got " + list);
        }
        return new LoopbackMachines(list);
    }

    /** Every address from {@code first} to {@code last}, which differ only in their last number. */
    public static LoopbackMachines range(String first, String last) {
        int[] from = octets(first);
        int[] to = octets(last);
        if (from[0] != to[0] || from[1] != to[1] || from[2] > to[2]) {
            throw new IllegalArgumentException("a range differs only in the last number, upwards: " + first
                    + " to " + last);
        }
        String prefix = "127." + from[0] + "." + from[1] + ".";
        return of(java.util.stream.IntStream.rangeClosed(from[2], to[2]).mapToObj(n -> prefix + n)
                .toArray(String[]::new));
    }

    private static int[] octets(String address) {
        var matcher = LOOPBACK_V4.matcher(address);
        if (!matcher.matches()) {
            throw new IllegalArgumentException("not a loopback IPv4 address: " + address);
        }
        int[] octets = new int[3];
        for (int i = 0; i < 3; i++) {
            octets[i] = Integer.parseInt(matcher.group(i + 1));
            if (octets[i] > 255) {
                throw new IllegalArgumentException("not a loopback IPv4 address: " + address);
            }
        }
        return octets;
    }

    /** The next free address, with fresh, empty root paths. */
    public LoopbackMachine take() {
        String address;
        synchronized (this) {
            address = free.pollFirst();
        }
        if (address == null) {
            throw new IllegalStateException("every loopback address is taken: " + String.join(", ", addresses));
        }
        try {
            return register(prepare(address));
        } catch (RuntimeException e) {
            giveBack(address);
            throw e;
        }
    }

    /** Releases a machine now: deletes its paths and frees its address. */
    public void release(LoopbackMachine machine) {
        unregister(machine);
        remove(machine);
    }

    @Override
    protected void dispose(LoopbackMachine machine) {
        remove(machine);
    }

    private void remove(LoopbackMachine machine) {
        try {
            killInstancesUnder(machine.root());
            TempDirs.delete(machine.root());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the paths of " + machine.hostaddr() + " under "
                    + machine.root(), e);
        } finally {
            giveBack(machine.hostaddr());
        }
    }

    /**
     * Database servers run detached from the test, so a failed test can leave one behind: every
     * process whose command line names a path under the machine's root goes with the machine.
     */
    private static void killInstancesUnder(Path root) {
        String prefix = root.toString() + "/";
        List<ProcessHandle> leftovers = ProcessHandle.allProcesses()
                .filter(process -> process.info().commandLine().orElse("").contains(prefix))
                .toList();
        leftovers.forEach(ProcessHandle::destroyForcibly);
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (leftovers.stream().anyMatch(ManagedProcesses::isRunning) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private synchronized void giveBack(String address) {
        free.addLast(address);
    }

    private static LoopbackMachine prepare(String address) {
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

    private static Optional<UserPrincipal> instanceAccountWhenRoot() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return Optional.empty();
        }
        try {
            return Optional.of(FileSystems.getDefault().getUserPrincipalLookupService()
                    .lookupPrincipalByName(INSTANCE_ACCOUNT));
        } catch (IOException noSuchAccount) {
            return Optional.empty();
        }
    }

    @Override
    public String toString() {
        return "LoopbackMachines " + String.join(", ", addresses);
    }
}
