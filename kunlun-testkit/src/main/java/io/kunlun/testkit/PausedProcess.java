package io.kunlun.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * A process stopped with SIGSTOP until closed (SIGCONT). Pausing an instance's server makes a
 * job wait at a known step (a shutdown, a re-pointing) for as long as the test needs, which is
 * where a test kills the manager.
 *
 * <pre>{@code try (PausedProcess paused = PausedProcess.compServer(machine, port)) { ... }}</pre>
 */
public final class PausedProcess implements AutoCloseable {
    private final ProcessHandle process;
    private boolean resumed;

    private PausedProcess(ProcessHandle process) {
        this.process = process;
        signal("STOP");
    }

    /** Pauses the process now. */
    public static PausedProcess pause(ProcessHandle process) {
        return new PausedProcess(process);
    }

    /** Pauses the postmaster of the comp at {@code port} on the machine. */
    public static PausedProcess compServer(LoopbackMachine machine, int port) {
        return pause(server(machine, "postgres", "/comp_datadir/" + port + "/data"));
    }

    /** Pauses the mariadbd of the storage node at {@code port} on the machine. */
    public static PausedProcess storageServer(LoopbackMachine machine, int port) {
        return pause(server(machine, "mariadbd", "/data_dir_path/" + port + "/my.cnf"));
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

    public ProcessHandle process() {
        return process;
    }

    private void signal(String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
                    .redirectErrorStream(true).start();
            String output = new String(kill.getInputStream().readAllBytes());
            if (kill.waitFor() != 0) {
                throw new IllegalStateException("kill -" + signal + " " + process.pid() + ": " + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while signalling " + process.pid(), e);
        }
    }

    /** SIGCONT, once, if the process still runs. */
    @Override
    public void close() {
        if (!resumed && process.isAlive()) {
            signal("CONT");
        }
        resumed = true;
    }
}
