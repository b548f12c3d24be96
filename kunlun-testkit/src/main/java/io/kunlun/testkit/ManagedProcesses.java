package io.kunlun.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The reaper: every process a test starts goes through here and is killed, with all its
 * descendants, when the test ends (a process started in {@code @BeforeAll}: when the class ends;
 * outside JUnit: on {@link #close()}), whether it passed or not. A JVM shutdown hook kills what
 * is still tracked if the test JVM is stopped mid-test.
 *
 * <pre>{@code @RegisterExtension static ManagedProcesses processes = ManagedProcesses.create();}</pre>
 */
public final class ManagedProcesses extends ScopedResources<ProcessHandle> {
    /*
     * A killed process ends only once its I/O in the kernel returns: a mariadbd killed while the
     * suite's two JVMs keep the disk busy once took more than 10 s.
     */
    private static final Duration EXIT_WAIT = Duration.ofSeconds(30);
    private static final Set<ManagedProcesses> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(ManagedProcesses::close),
                "testkit-reaper"));
    }

    private ManagedProcesses() {
        super(true);
        LIVE.add(this);
    }

    public static ManagedProcesses create() {
        return new ManagedProcesses();
    }

    /** Starts a process and tracks it. */
    public Process start(ProcessBuilder builder) throws IOException {
        return track(builder.start());
    }

    public Process track(Process process) {
        register(process.toHandle());
        return process;
    }

    /** Tracks a process this JVM did not start itself, e.g. a daemon found through its pid file. */
    public ProcessHandle track(ProcessHandle process) {
        return register(process);
    }

    /** Kills one tracked process and its descendants now, and stops tracking it. */
    public void kill(ProcessHandle process) {
        unregister(process);
        killTree(process);
    }

    @Override
    protected void dispose(ProcessHandle process) {
        killTree(process);
    }

    /**
     * SIGKILL to the process, then to each descendant it had: the descendants are listed first,
     * since once their parent is gone they belong to init and cannot be found from it.
     */
    static void killTree(ProcessHandle root) {
        List<ProcessHandle> tree = new ArrayList<>();
        tree.add(root);
        root.descendants().forEach(tree::add);
        tree.forEach(ProcessHandle::destroyForcibly);
        // Polled rather than onExit(): for processes that are not our children, onExit polls at
        // intervals of seconds, which would make every test that starts a process slow.
        long deadline = System.nanoTime() + EXIT_WAIT.toNanos();
        while (tree.stream().anyMatch(ManagedProcesses::isRunning) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        List<String> survivors = tree.stream().filter(ManagedProcesses::isRunning)
                .map(process -> Long.toString(process.pid())).toList();
        if (!survivors.isEmpty()) {
            throw new IllegalStateException("processes " + String.join(", ", survivors) + " still run "
                    + EXIT_WAIT.toSeconds() + " s after SIGKILL");
        }
    }

    /**
     * Alive and not a zombie. A killed process whose parent is gone stays a zombie until the
     * machine's init reaps it, which {@link ProcessHandle#isAlive()} counts as alive; a zombie
     * runs nothing and holds nothing but its pid.
     */
    public static boolean isRunning(ProcessHandle process) {
        if (!process.isAlive()) {
            return false;
        }
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
            // The state follows the command name, which is in parentheses and may itself hold any character.
            return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (IOException | RuntimeException e) {
            return process.isAlive();
        }
    }

    @Override
    public String toString() {
        return "ManagedProcesses";
    }
}
