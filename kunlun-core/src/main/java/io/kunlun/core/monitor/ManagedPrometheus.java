package io.kunlun.core.monitor;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.kunlun.core.ManagerException;
import io.kunlun.core.config.ManagerConfig.PrometheusConfig;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The Prometheus the manager runs itself when no other is configured. Everything it has lives in
 * one directory ({@code <home>/prometheus}): its configuration, the target files, its data, its
 * log and a pid file. It runs detached (its own session, its parent gone), so it outlives the
 * manager: a restarted manager finds it through the pid file and only asks it to reload.
 */
public final class ManagedPrometheus {
    private static final ObjectMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();
    private static final Duration LAUNCH_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration POLL = Duration.ofMillis(100);
    private static final int LOG_TAIL_CHARS = 800;
    /** Prometheus's default, used unless the scrape interval is shorter (the timeout may not exceed it). */
    private static final int SCRAPE_TIMEOUT_SECONDS = 10;

    private final PrometheusConfig config;
    private final Path directory;

    /** The Prometheus of the manager whose home is {@code home}. */
    public ManagedPrometheus(PrometheusConfig config, Path home) {
        this.config = config;
        this.directory = home.toAbsolutePath().normalize().resolve("prometheus");
    }

    public Path directory() {
        return directory;
    }

    public Path configFile() {
        return directory.resolve("prometheus.yml");
    }

    /** Where the file_sd target files are. */
    public Path targetsDir() {
        return directory.resolve("targets");
    }

    public Path pidFile() {
        return directory.resolve("prometheus.pid");
    }

    public Path logFile() {
        return directory.resolve("prometheus.log");
    }

    /** The access token Prometheus sends when it scrapes the manager (present only when one is needed). */
    public Path tokenFile() {
        return directory.resolve("manager.token");
    }

    /** Where it listens, e.g. {@code http://127.0.0.1:57010}. */
    public String url() {
        return "http://" + listenAddress();
    }

    private String listenAddress() {
        String host = config.bind().contains(":") ? "[" + config.bind() + "]" : config.bind();
        return host + ":" + config.port();
    }

    /** Its command line after the program; the first argument names this home's configuration file. */
    List<String> arguments() {
        return List.of(
                "--config.file=" + configFile(),
                "--storage.tsdb.path=" + directory.resolve("data"),
                "--web.listen-address=" + listenAddress(),
                "--web.enable-lifecycle");
    }

    /**
     * Its configuration: one scrape job per {@link ScrapeJob}, each reading its target file.
     * Written as JSON, which Prometheus reads as the YAML it is.
     *
     * @param sendToken whether scraping the manager needs the access token in {@link #tokenFile()}
     */
    public String configuration(boolean sendToken) {
        int interval = config.scrapeIntervalSeconds();
        Map<String, Object> global = new LinkedHashMap<>();
        global.put("scrape_interval", interval + "s");
        global.put("scrape_timeout", Math.min(interval, SCRAPE_TIMEOUT_SECONDS) + "s");
        global.put("evaluation_interval", interval + "s");
        List<Map<String, Object>> scrapeConfigs = new ArrayList<>();
        for (ScrapeJob job : ScrapeJob.values()) {
            Map<String, Object> scrape = new LinkedHashMap<>();
            scrape.put("job_name", job.jobName());
            scrape.put("file_sd_configs", List.of(Map.of("files", List.of(targetsDir().resolve(job.fileName()).toString()))));
            if (job == ScrapeJob.MANAGER && sendToken) {
                scrape.put("authorization", Map.of("type", "Bearer", "credentials_file", tokenFile().toString()));
            }
            scrapeConfigs.add(scrape);
        }
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("global", global);
        root.put("scrape_configs", scrapeConfigs);
        try {
            return JSON.writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new ManagerException(ManagerException.Code.INTERNAL, "cannot render the Prometheus configuration", e);
        }
    }

    /**
     * This home's Prometheus if it runs: the process the pid file names, or, when the manager
     * stopped before writing the file, the process started with this home's configuration file.
     * A process that merely reuses a recorded pid is not taken for it.
     */
    public Optional<ProcessHandle> running() {
        return fromPidFile().or(() -> ProcessHandle.allProcesses().filter(this::isOurs).findFirst());
    }

    private Optional<ProcessHandle> fromPidFile() {
        try {
            long pid = Long.parseLong(Files.readString(pidFile(), StandardCharsets.US_ASCII).strip());
            return ProcessHandle.of(pid).filter(this::isOurs);
        } catch (IOException | NumberFormatException noUsablePidFile) {
            return Optional.empty();
        }
    }

    private boolean isOurs(ProcessHandle process) {
        return process.isAlive() && process.info().arguments()
                .map(args -> args.length > 0 && args[0].equals(arguments().get(0)))
                .orElse(false);
    }

    /** Whether a running Prometheus listens and stores where the configuration now says. */
    public boolean runsAsConfigured(ProcessHandle process) {
        return process.info().arguments().map(List::of).map(arguments()::equals).orElse(false);
    }

    /**
     * Starts it detached ({@code setsid --fork}: a new session whose parent exits at once, so
     * neither a signal to the manager's process group nor the end of the manager's process tree
     * reaches it), records its pid, and waits until it answers {@code /-/ready}. The configuration
     * file must be written.
     */
    public ProcessHandle start() {
        if (PrometheusHttp.isReady(url())) {
            throw new ManagerException(ManagerException.Code.CONFLICT, describe() + ": another Prometheus already"
                    + " listens there (this manager's would run with " + configFile() + ")");
        }
        long logStart;
        try {
            Files.createDirectories(directory.resolve("data"));
            logStart = Files.exists(logFile()) ? Files.size(logFile()) : 0;
        } catch (IOException e) {
            throw new ManagerException(ManagerException.Code.COMMAND_FAILED, "cannot prepare " + directory + ": " + e, e);
        }
        List<String> command = new ArrayList<>(List.of("setsid", "--fork", config.binary().toString()));
        command.addAll(arguments());
        launch(command, logStart);
        ProcessHandle process = awaitProcess(logStart);
        writePidFile(process);
        awaitReady(process, logStart);
        return process;
    }

    private void launch(List<String> command, long logStart) {
        try {
            Process launcher = new ProcessBuilder(command)
                    .directory(directory.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile().toFile()))
                    .redirectErrorStream(true)
                    .start();
            if (!launcher.waitFor(LAUNCH_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                launcher.destroyForcibly();
                throw failure("setsid did not return within " + LAUNCH_TIMEOUT.toSeconds() + " s", logStart);
            }
            if (launcher.exitValue() != 0) {
                throw failure("setsid exited with " + launcher.exitValue(), logStart);
            }
        } catch (IOException e) {
            throw new ManagerException(ManagerException.Code.COMMAND_FAILED, describe() + ": cannot start "
                    + String.join(" ", command) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ManagerException(ManagerException.Code.INTERRUPTED, describe() + ": interrupted while starting");
        }
    }

    /** The forked child becomes Prometheus once it has exec'd; until then it is not found. */
    private ProcessHandle awaitProcess(long logStart) {
        long deadline = System.nanoTime() + LAUNCH_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<ProcessHandle> found = ProcessHandle.allProcesses().filter(this::isOurs).findFirst();
            if (found.isPresent()) {
                return found.get();
            }
            pause();
        }
        throw failure("it exited at once", logStart);
    }

    private void awaitReady(ProcessHandle process, long logStart) {
        long deadline = System.nanoTime() + Duration.ofSeconds(config.startTimeoutSeconds()).toNanos();
        while (!PrometheusHttp.isReady(url())) {
            if (!process.isAlive()) {
                throw failure("it exited", logStart);
            }
            if (System.nanoTime() > deadline) {
                stop();
                throw failure("it did not answer /-/ready within " + config.startTimeoutSeconds() + " s", logStart);
            }
            pause();
        }
    }

    private void writePidFile(ProcessHandle process) {
        try {
            Files.writeString(pidFile(), process.pid() + "\n", StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + pidFile(), e);
        }
    }

    /** Stops it (SIGTERM, then SIGKILL after a while) if it runs, and removes the pid file. */
    public void stop() {
        running().ifPresent(process -> {
            process.destroy();
            try {
                process.onExit().get(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException | ExecutionException e) {
                process.destroyForcibly();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ManagerException(ManagerException.Code.INTERRUPTED, describe() + ": interrupted while stopping");
            }
        });
        try {
            Files.deleteIfExists(pidFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + pidFile(), e);
        }
    }

    private ManagerException failure(String what, long logStart) {
        return new ManagerException(ManagerException.Code.COMMAND_FAILED, describe() + ": " + what
                + logTail(logStart).map(tail -> ": " + tail).orElse(""));
    }

    private String describe() {
        return "prometheus on " + listenAddress();
    }

    /** The last whole lines it wrote to its log since {@code from}, at most about 800 characters. */
    private Optional<String> logTail(long from) {
        try (RandomAccessFile log = new RandomAccessFile(logFile().toFile(), "r")) {
            long start = Math.max(from, log.length() - LOG_TAIL_CHARS);
            byte[] bytes = new byte[(int) (log.length() - start)];
            log.seek(start);
            log.readFully(bytes);
            String tail = new String(bytes, StandardCharsets.UTF_8);
            int firstWholeLine = start > from ? tail.indexOf('\n') + 1 : 0;
            tail = tail.substring(firstWholeLine).strip();
            return tail.isEmpty() ? Optional.empty() : Optional.of(tail);
        } catch (IOException noLog) {
            return Optional.empty();
        }
    }

    private static void pause() {
        try {
            Thread.sleep(POLL.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ManagerException(ManagerException.Code.INTERRUPTED, "interrupted while waiting for prometheus");
        }
    }
}
