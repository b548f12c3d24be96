package io.kunlun.core.hosts;

import io.kunlun.core.ManagerException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/** This machine: commands run as child processes, without a shell. */
public final class LocalHost implements HostAccess {
    /** Output readers get their own threads: the common pool has one thread on two cores. */
    private static final ExecutorService READERS = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "local-command-output");
        thread.setDaemon(true);
        return thread;
    });
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
        CompletableFuture<String> out = drain(process.getInputStream());
        CompletableFuture<String> err = drain(process.getErrorStream());
        try (OutputStream stdin = process.getOutputStream()) {
            stdin.write(command.stdin());
        } catch (IOException e) {
            // The program closed its input early; its exit code tells what happened.
        }
        try {
            if (!process.waitFor(command.timeout().toMillis(), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                throw new ManagerException(ManagerException.Code.HOST_UNREACHABLE, address + ": "
                        + command.argv().get(0) + " timed out after " + command.timeout().toSeconds() + " s");
            }
            return new CommandResult(process.exitValue(), out.join(), err.join());
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new ManagerException(ManagerException.Code.INTERRUPTED, address + ": interrupted while running "
                    + command.argv().get(0));
        }
    }

    private static CompletableFuture<String> drain(InputStream stream) {
        return CompletableFuture.supplyAsync(() -> {
            try (stream) {
                ByteArrayOutputStream buffer = new ByteArrayOutputStream();
                stream.transferTo(buffer);
                return buffer.toString(StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, READERS);
    }

    @Override
    public void close() {
        // Nothing to release: each command is its own process.
    }
}
