package io.kunlun.testkit;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The reaper: every process a test starts goes through here and is killed, with all its
 * descendants, when the test ends (a process started in {@code @BeforeAll}: when the class ends;
 * outside JUnit: on {@link #close()}), whether it passed or not. A JVM shutdown hook kills what is still tracked if the test JVM is stopped mid-test.
 *
 * <pre>{@code @RegisterExtension static ManagedProcesses processes = ManagedProcesses.create();}</pre>
 */
public final class ManagedProcesses extends ScopedResources<ProcessHandle> {
    private static final Duration EXIT_WAIT = Duration.ofSeconds(10);
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
        List<String> survivors = new ArrayList<>();
        for (ProcessHandle process : tree) {
            try {
                process.onExit().get(EXIT_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException | ExecutionException e) {
                survivors.add(Long.toString(process.pid()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        if (!survivors.isEmpty()) {
            throw new IllegalStateException("processes " + String.join(", ", survivors) + " still run "
                    + EXIT_WAIT.toSeconds() + " s after SIGKILL");
        }
    }

    @Override
    public String toString() {
        return "ManagedProcesses";
    }
}
