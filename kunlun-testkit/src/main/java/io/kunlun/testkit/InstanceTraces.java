package io.kunlun.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * What database instances leave on a loopback machine, as a test sees it from outside the
 * manager: the instance directories under its four root paths, what listens at its address, and
 * the processes that work under its root. A job rolled back must leave none of its own.
 */
public final class InstanceTraces {
    private static final int CONNECT_TIMEOUT_MS = 500;

    private InstanceTraces() {
    }

    /** Whether a TCP connection to {@code hostaddr:port} is accepted. */
    public static boolean isListening(String hostaddr, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getByName(hostaddr), port), CONNECT_TIMEOUT_MS);
            return true;
        } catch (IOException refused) {
            return false;
        }
    }

    /**
     * The ports of the listening sockets in /proc/net/tcp whose local address is {@code hostaddr},
     * in order; unlike {@link #isListening}, it finds ports nobody told the test about.
     */
    public static List<Integer> listeningPorts(String hostaddr) {
        String[] octets = hostaddr.split("\\.");
        // The kernel prints the address as one little-endian 32-bit number in hexadecimal.
        String local = String.format("%02X%02X%02X%02X", Integer.parseInt(octets[3]), Integer.parseInt(octets[2]),
                Integer.parseInt(octets[1]), Integer.parseInt(octets[0]));
        TreeSet<Integer> ports = new TreeSet<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/net/tcp"))) {
                String[] columns = line.strip().split("\\s+");
                if (columns.length > 3 && columns[3].equals("0A") && columns[1].startsWith(local + ":")) {
                    ports.add(Integer.parseInt(columns[1].substring(local.length() + 1), 16));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return List.copyOf(ports);
    }

    /** Every instance directory (one named after an instance's port) under the machine's roots, in order. */
    public static List<Path> instanceDirectories(LoopbackMachine machine) {
        return instanceDirectories(machine, name -> name.matches("[0-9]+"));
    }

    /** The instance directories of the instance at {@code port} under the machine's roots. */
    public static List<Path> instanceDirectories(LoopbackMachine machine, int port) {
        return instanceDirectories(machine, name -> name.equals(Integer.toString(port)));
    }

    private static List<Path> instanceDirectories(LoopbackMachine machine, Predicate<String> named) {
        List<Path> found = new ArrayList<>();
        for (Path root : List.of(machine.datadir(), machine.logdir(), machine.walLogDir(), machine.compDatadir())) {
            Path instances = root.resolve("instance_data");
            if (Files.isDirectory(instances)) {
                try (var walk = Files.walk(instances)) {
                    walk.filter(Files::isDirectory).filter(dir -> named.test(dir.getFileName().toString()))
                            .sorted().forEach(found::add);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        return found;
    }

    /** Whether the process's command line names a path below {@code directory}. */
    public static boolean names(ProcessHandle process, Path directory) {
        return process.info().commandLine().orElse("").contains(directory + "/");
    }

    /**
     * {@code pid command line} of each running process that names a path below {@code root},
     * in order, but those descending from {@code ancestorLeftOut} (a manager's own commands, say,
     * which it runs whenever it likes).
     */
    public static List<String> processesUnder(Path root, long ancestorLeftOut) {
        return ProcessHandle.allProcesses().filter(ManagedProcesses::isRunning)
                .filter(process -> !descendsFrom(process, ancestorLeftOut))
                .filter(process -> names(process, root))
                .map(InstanceTraces::describe)
                .sorted().toList();
    }

    /** The postmaster of the comp at {@code port} on the machine. */
    public static ProcessHandle compServer(LoopbackMachine machine, int port) {
        return server(machine, "postgres", "/comp_datadir/" + port + "/data");
    }

    /** The mariadbd of the storage node at {@code port} on the machine. */
    public static ProcessHandle storageServer(LoopbackMachine machine, int port) {
        return server(machine, "mariadbd", "/data_dir_path/" + port + "/my.cnf");
    }

    private static ProcessHandle server(LoopbackMachine machine, String program, String marker) {
        List<ProcessHandle> found = ProcessHandle.allProcesses()
                .filter(process -> process.info().command().orElse("").endsWith("/" + program))
                .filter(process -> InstanceTraces.names(process, machine.root())
                        && process.info().commandLine().orElse("").contains(marker))
                .toList();
        if (found.size() != 1) {
            throw new IllegalStateException("expected one " + program + " under " + machine.root() + "/ with "
                    + marker + ", found " + found.stream().map(InstanceTraces::describe).toList());
        }
        return found.get(0);
    }

    /** {@code pid command line}, as failure messages show a process. */
    public static String describe(ProcessHandle process) {
        return process.pid() + " " + process.info().commandLine().orElse("");
    }

    private static boolean descendsFrom(ProcessHandle process, long ancestor) {
        Optional<ProcessHandle> parent = process.parent();
        while (parent.isPresent()) {
            if (parent.get().pid() == ancestor) {
                return true;
            }
            parent = parent.get().parent();
        }
        return false;
    }
}
