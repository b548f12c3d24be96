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

    /** Writes the command's input and closes the stream, so the command sees its end. */
    static CompletableFuture<Void> writeAll(OutputStream stream, byte[] input) {
        return CompletableFuture.runAsync(() -> {
            try (stream) {
                stream.write(input);
                // SSHJ's close() sends what is buffered only if the server's window has room and
                // drops it otherwise; flush() waits for the room.
                stream.flush();
            } catch (IOException e) {
                // The command closed its input early; its exit code tells what happened.
            }
        }, THREADS);
    }
}
