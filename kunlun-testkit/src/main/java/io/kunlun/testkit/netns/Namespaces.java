package io.kunlun.testkit.netns;

import io.kunlun.testkit.ManagedProcesses;
import io.kunlun.testkit.Programs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The names the suite gives its network namespaces and links, and their removal. A test network
 * {@code i} (the subnet 10.250.i.0/24) is the namespace {@code kunlun-test-<i>-<pid>} holding
 * its switch, {@code kunlun-test-<i>-<pid>-m<k>} for each machine, and the host's link
 * {@code kunlun-t<i>} into the switch; {@code <pid>} is the test JVM that made them, so that
 * what a killed run left behind is told apart from what a running one uses.
 *
 * <p>Test JVMs running at the same time (surefire forks) share the host's namespaces and links:
 * each removes leftovers and claims a network only while it holds a host-wide lock, so that none
 * sees another's network half made.
 */
final class Namespaces {
    static final String PREFIX = "kunlun-test-";
    private static final Pattern NAMESPACE = Pattern.compile("kunlun-test-([0-9]+)-([0-9]+)(-m[0-9]+)?");
    private static final Pattern HOST_LINK = Pattern.compile("kunlun-t([0-9]+)");
    private static final Duration KILL_WAIT = Duration.ofSeconds(10);
    private static final Path LOCK = Path.of(System.getProperty("java.io.tmpdir"), "kunlun-testkit-netns.lock");
    /** A file lock is held by the JVM: threads of one JVM take turns on this first. */
    private static final Object IN_THIS_JVM = new Object();

    private Namespaces() {
    }

    static String switchName(int network) {
        return PREFIX + network + "-" + ProcessHandle.current().pid();
    }

    static String machineName(int network, int machine) {
        return switchName(network) + "-m" + machine;
    }

    static String hostLink(int network) {
        return "kunlun-t" + network;
    }

    /** Runs {@code step} holding the host-wide lock of the test networks' namespaces and links. */
    static <T> T exclusively(Supplier<T> step) {
        synchronized (IN_THIS_JVM) {
            try (FileChannel channel = FileChannel.open(LOCK, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = channel.lock()) {
                return step.get();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot lock " + LOCK, e);
            }
        }
    }

    /** {@code ip} with these arguments; fails naming them and ip's message. */
    static String ip(String... arguments) {
        List<String> argv = new ArrayList<>(List.of("ip"));
        argv.addAll(Arrays.asList(arguments));
        return Programs.run(argv);
    }

    /** Whether {@code ip} with these arguments succeeded: for a step that may find nothing to do. */
    static boolean ipSucceeds(String... arguments) {
        List<String> argv = new ArrayList<>(List.of("ip"));
        argv.addAll(Arrays.asList(arguments));
        return Programs.result(argv, Map.of()).succeeded();
    }

    /**
     * Kills every process inside the namespace (instances started over SSH run detached, so
     * nothing else reaches them) until none is left, then deletes it. A namespace lives on, with
     * its links, while any process is in it.
     */
    static void destroy(String namespace) {
        long deadline = System.nanoTime() + KILL_WAIT.toNanos();
        List<ProcessHandle> inside = processesIn(namespace);
        while (!inside.isEmpty()) {
            inside.forEach(ProcessHandle::destroyForcibly);
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("processes " + inside.stream().map(p -> Long.toString(p.pid())).toList()
                        + " still run in namespace " + namespace + " " + KILL_WAIT.toSeconds() + " s after SIGKILL");
            }
            pause();
            inside = processesIn(namespace).stream().filter(ManagedProcesses::isRunning).toList();
        }
        ip("netns", "delete", namespace);
    }

    private static List<ProcessHandle> processesIn(String namespace) {
        return ip("netns", "pids", namespace).lines().map(String::strip).filter(line -> !line.isEmpty())
                .map(pid -> ProcessHandle.of(Long.parseLong(pid))).flatMap(Optional::stream).toList();
    }

    /**
     * Removes what earlier runs left behind: namespaces of test JVMs that no longer run, and host
     * links whose network has no namespace of a running JVM. Called {@link #exclusively}, as is
     * the claim of a network, which makes its switch namespace before its host link: so a running
     * JVM's link is never taken for a leftover.
     */
    static void removeLeftovers() {
        long self = ProcessHandle.current().pid();
        List<String> live = new ArrayList<>();
        for (String namespace : namespaces()) {
            Matcher name = NAMESPACE.matcher(namespace);
            if (!name.matches()) {
                continue;
            }
            long owner = Long.parseLong(name.group(2));
            if (owner != self && ProcessHandle.of(owner).filter(ProcessHandle::isAlive).isEmpty()) {
                destroy(namespace);
            } else {
                live.add(name.group(1));
            }
        }
        for (String link : hostLinks()) {
            Matcher name = HOST_LINK.matcher(link);
            if (name.matches() && !live.contains(name.group(1))) {
                ipSucceeds("link", "delete", link);
            }
        }
    }

    private static List<String> namespaces() {
        // "kunlun-test-3-1234 (id: 0)": the name is the first word.
        return ip("netns", "list").lines().map(line -> line.split(" ")[0]).filter(n -> n.startsWith(PREFIX)).toList();
    }

    private static List<String> hostLinks() {
        // "5: kunlun-t3@if2: <BROADCAST,...": the name ends at '@' or ':'.
        return ip("-o", "link", "show").lines().map(line -> line.split(": ")[1].split("@")[0])
                .filter(name -> HOST_LINK.matcher(name).matches()).toList();
    }

    private static void pause() {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while killing the processes of a namespace", e);
        }
    }
}
