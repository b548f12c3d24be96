package io.kunlun.core.hosts;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The three streams of a running command, local or remote, each served by its own thread: a
 * command that fills its output while nobody reads it, or waits for input nobody sends, would
 * otherwise never end.
 */
final class CommandStreams {
    /** Own threads: the common pool has one thread on two cores. */
    private static final ExecutorService THREADS = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "command-streams");
        thread.setDaemon(true);
        return thread;
    });

    private CommandStreams() {
    }

    /** Reads a stream to its end as UTF-8 text. */
    static CompletableFuture<String> readAll(InputStream stream) {
        return CompletableFuture.supplyAsync(() -> {
            try (stream) {
                ByteArrayOutputStream buffer = new ByteArrayOutputStream();
                stream.transferTo(buffer);
                return buffer.toString(StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, THREADS);
    }

    /** What sends a command's input; it fails when the command stops reading early. */
    interface InputSender {
        void send() throws IOException;
    }

    /**
     * Sends a command's input in the background. A failure is no error: the command closed its
     * input early, and its exit code tells what happened.
     */
    static CompletableFuture<Void> send(InputSender sender) {
        return CompletableFuture.runAsync(() -> {
            try {
                sender.send();
            } catch (IOException e) {
                // The command closed its input early.
            }
        }, THREADS);
    }

    /** Writes the whole input, then closes the stream, so the command sees its end. */
    static CompletableFuture<Void> writeAll(OutputStream stream, byte[] input) {
        return send(() -> {
            try (stream) {
                stream.write(input);
                // A buffering stream may drop at close what it could not send yet (SSHJ's does).
                stream.flush();
            }
        });
    }
}
