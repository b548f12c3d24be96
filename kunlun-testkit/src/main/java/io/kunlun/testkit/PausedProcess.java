package io.kunlun.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;

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
        return pause(InstanceTraces.compServer(machine, port));
    }

    /** Pauses the mariadbd of the storage node at {@code port} on the machine. */
    public static PausedProcess storageServer(LoopbackMachine machine, int port) {
        return pause(InstanceTraces.storageServer(machine, port));
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
