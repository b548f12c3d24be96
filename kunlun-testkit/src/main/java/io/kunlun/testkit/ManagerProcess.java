package io.kunlun.testkit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kunlun.core.config.ManagerConfig;
import io.kunlun.core.meta.MetadataStore;
import io.kunlun.model.MetaNode;
import io.kunlun.server.Serve;
import io.kunlun.server.ServeConfig;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The manager as a separate JVM ({@code java -cp <this JVM's class path> io.kunlun.server.Serve
 * --home DIR --port 0 --bind 127.0.0.1 --config FILE}, the file giving it this JVM's port bases),
 * for what only a real process shows: a {@code kill -9} and a restart on the same home. The
 * process is tracked by a {@link ManagedProcesses}, so it dies with the test whatever happens.
 */
public final class ManagerProcess implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Pattern LISTENING =
            Pattern.compile(Pattern.quote(Serve.LISTENING) + "http://([^ ]+):([0-9]+) ");
    private static final int OUTPUT_LINES_KEPT = 200;
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A test's manager: a small heap, quick to start. */
    private static final List<String> TEST_JVM_OPTIONS = List.of("-Xmx256m", "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1");

    private final Path home;
    private final ManagedProcesses processes;
    private final List<String> jvmOptions;
    private final List<String> extraArgs;
    private final Deque<String> output = new ArrayDeque<>();
    private Process process;
    private int port;
    private ApiClient client;

    private ManagerProcess(Path home, ManagedProcesses processes, List<String> jvmOptions, List<String> extraArgs) {
        this.home = home;
        this.processes = processes;
        this.jvmOptions = jvmOptions;
        this.extraArgs = extraArgs;
    }

    /**
     * Starts a manager on {@code home} and waits until it answers requests.
     *
     * @param extraArgs more flags of {@link Serve#main}, e.g. {@code --expose-credentials}
     */
    public static ManagerProcess start(Path home, ManagedProcesses processes, String... extraArgs) {
        return start(home, processes, TEST_JVM_OPTIONS, extraArgs);
    }

    /**
     * As {@link #start(Path, ManagedProcesses, String...)}, its JVM run with {@code jvmOptions}
     * instead of a test's small heap: a benchmark measures the manager as {@code kunlunctl serve}
     * runs it (its heap bound only).
     */
    public static ManagerProcess start(Path home, ManagedProcesses processes, List<String> jvmOptions,
                                       String... extraArgs) {
        ManagerProcess manager = new ManagerProcess(home, processes, List.copyOf(jvmOptions),
                withPortBases(home, List.of(extraArgs)));
        manager.launch();
        return manager;
    }

    private synchronized void launch() {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Serve.class.getName(),
                "--home", home.toString(), "--port", "0", "--bind", "127.0.0.1"));
        command.addAll(extraArgs);
        synchronized (output) {
            output.clear();
        }
        try {
            process = processes.start(new ProcessBuilder(command).redirectErrorStream(true));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + String.join(" ", command), e);
        }
        port = awaitListening(process);
        client = ApiClient.to(uri()).withStuckReport(this::stuckReport);
    }

    /**
     * The flags with a configuration file that gives the manager this JVM's port bases
     * ({@link TestPorts}): the test's own {@code --config} file with the bases added to its
     * {@code engines} section where it sets none, or a file of the bases alone. A temporary
     * file, deleted when this JVM exits.
     */
    private static List<String> withPortBases(Path home, List<String> flags) {
        List<String> result = new ArrayList<>(flags);
        int config = result.indexOf("--config");
        try {
            ObjectNode tree = config >= 0 && config + 1 < result.size()
                    ? (ObjectNode) JSON.readTree(Files.readAllBytes(Path.of(result.get(config + 1))))
                    : JSON.createObjectNode();
            ObjectNode engines = tree.has("engines") ? (ObjectNode) tree.get("engines") : tree.putObject("engines");
            TestPorts.engineFields().forEach((field, port) -> {
                if (!engines.has(field)) {
                    engines.put(field, port);
                }
            });
            Path file = Files.createTempFile("kunlun-manager-config-", ".json");
            file.toFile().deleteOnExit();
            Files.write(file, JSON.writeValueAsBytes(tree));
            if (config >= 0) {
                result.set(config + 1, file.toString());
            } else {
                result.addAll(List.of("--config", file.toString()));
            }
            return List.copyOf(result);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the configuration of the manager on " + home, e);
        }
    }

    /** Reads the process's output for good (so it never blocks on a full pipe), answering the port. */
    private int awaitListening(Process started) {
        CompletableFuture<Integer> listening = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader lines = new BufferedReader(
                    new InputStreamReader(started.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                    keep(line);
                    Matcher matcher = LISTENING.matcher(line);
                    if (matcher.find()) {
                        listening.complete(Integer.parseInt(matcher.group(2)));
                    }
                }
            } catch (IOException ended) {
                // The process is gone; the exit is reported below.
            }
            listening.completeExceptionally(new IllegalStateException("the manager process exited before listening"));
        }, "manager-process-output-" + started.pid());
        reader.setDaemon(true);
        reader.start();
        try {
            return listening.get(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            String exit = exitCode(started).map(code -> " (exit code " + code + ")").orElse("");
            throw new IllegalStateException("the manager on " + home + " exited before listening" + exit
                    + "; output:\n" + output());
        } catch (TimeoutException e) {
            processes.kill(started.toHandle());
            throw new IllegalStateException("the manager on " + home + " did not listen within "
                    + START_TIMEOUT.toSeconds() + " s; output:\n" + output());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            processes.kill(started.toHandle());
            throw new IllegalStateException("interrupted while starting the manager on " + home, e);
        }
    }

    /** The exit code once the process has ended; its output may close a moment before it does. */
    private static Optional<Integer> exitCode(Process process) {
        try {
            return process.waitFor(5, TimeUnit.SECONDS) ? Optional.of(process.exitValue()) : Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    private void keep(String line) {
        synchronized (output) {
            output.addLast(line);
            if (output.size() > OUTPUT_LINES_KEPT) {
                output.removeFirst();
            }
        }
    }

    /**
     * What the manager process was doing when a request to it went unanswered: its threads and
     * heap as {@code jcmd} reads them, and its last output lines.
     */
    private String stuckReport() {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        StringBuilder report = new StringBuilder("\n" + this + ":\n");
        for (String command : List.of("GC.heap_info", "Thread.print")) {
            report.append("jcmd ").append(command).append(":\n");
            try {
                report.append(Programs.result(List.of(jcmd.toString(), Long.toString(pid()), command), Map.of()).output());
            } catch (RuntimeException e) {
                report.append("failed: ").append(e.getMessage());
            }
            report.append('\n');
        }
        return report.append("its last output lines:\n").append(output()).append('\n').toString();
    }

    /** The last lines the process printed (stdout and stderr), for failure messages. */
    public String output() {
        synchronized (output) {
            return String.join("\n", output);
        }
    }

    public Path home() {
        return home;
    }

    public synchronized int port() {
        return port;
    }

    public synchronized long pid() {
        return process.pid();
    }

    public synchronized boolean isAlive() {
        return process.isAlive();
    }

    /** {@code http://127.0.0.1:<port>/} of the current process. */
    public synchronized URI uri() {
        return URI.create("http://127.0.0.1:" + port + "/");
    }

    /** A client of the current process (a restart makes a new one). */
    public synchronized ApiClient client() {
        return client;
    }

    /** {@code kill -9}: no shutdown hook runs, nothing is flushed; returns once the process is reaped. */
    public synchronized void kill() {
        processes.kill(process.toHandle());
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("manager process " + process.pid() + " still runs after SIGKILL");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for manager process " + process.pid(), e);
        }
    }

    /**
     * {@code kill -TERM}, as a service manager stops it: the shutdown hook runs. Returns how long
     * the process took to exit; fails when it still runs after {@code bound}.
     */
    public synchronized Duration terminate(Duration bound) {
        long sent = System.nanoTime();
        process.destroy();
        try {
            if (!process.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("manager process " + process.pid() + " still runs " + bound.toSeconds()
                        + " s after SIGTERM");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for manager process " + process.pid(), e);
        }
        return Duration.ofNanos(System.nanoTime() - sent);
    }

    /** Kills the process if it still runs, then starts a new one on the same home (on a new port). */
    public synchronized ManagerProcess restart() {
        if (process.isAlive()) {
            kill();
        }
        launch();
        return this;
    }

    /**
     * {@code kill -9}, then, as {@link TestManager#close()} does, deletes the operating-system
     * accounts its embedded store lists (killing what still runs as them: the instances of
     * clusters the test did not delete). A store on a database server keeps its accounts: other
     * managers may still use them.
     */
    @Override
    public synchronized void close() {
        kill();
        LeftOsAccounts.delete(leftAccounts());
    }

    /** The accounts in the embedded store of its home, read once the process is gone; none when unreadable. */
    private List<String> leftAccounts() {
        ManagerConfig config = ServeConfig.load(Path.of(extraArgs.get(extraArgs.indexOf("--config") + 1))).manager();
        if (!config.metadata().isEmbedded()) {
            return List.of();
        }
        try (MetadataStore store = MetadataStore.open(config.metadata(), home, new MetaNode("127.0.0.1", port))) {
            return store.osAccounts().names();
        } catch (RuntimeException unreadable) {
            return List.of();
        }
    }

    @Override
    public synchronized String toString() {
        return "manager process " + process.pid() + " on " + uri() + ", home " + home;
    }
}
