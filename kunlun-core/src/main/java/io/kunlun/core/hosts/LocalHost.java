package io.kunlun.core.hosts;

import io.kunlun.core.ManagerException;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** This machine: commands run as child processes, without a shell. */
public final class LocalHost implements HostAccess {
    private final String address;

    public LocalHost(String address) {
        this.address = address;
    }

    @Override
    public String address() {
        return address;
    }

    @Override
    public CommandResult run(Command command) {
        Process process;
        try {
            process = new ProcessBuilder(command.argv()).start();
        } catch (IOException e) {
            return new CommandResult(127, "", address + ": cannot start " + command.argv().get(0) + ": " + e.getMessage());
        }
        CompletableFuture<String> out = CommandStreams.readAll(process.getInputStream());
        CompletableFuture<String> err = CommandStreams.readAll(process.getErrorStream());
        CommandStreams.writeAll(process.getOutputStream(), command.stdin());
        try {
            if (!process.waitFor(command.timeout().toMillis(), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                throw command.timedOut(address);
            }
            return new CommandResult(process.exitValue(), out.join(), err.join());
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new ManagerException(ManagerException.Code.INTERRUPTED, address + ": interrupted while running "
                    + command.argv().get(0));
        }
    }

    @Override
    public void close() {
        // Nothing to release: each command is its own process.
    }
}
