package io.kunlun.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs the helper programs the fixtures need (ssh-keygen, ip) with a bound on their time: {@link #run}
 * fails loudly when one fails, {@link #result} answers how it ended.
 */
public final class Programs {
    private static final long TIMEOUT_SECONDS = 30;

    private Programs() {
    }

    /** How a program ended: its exit status and its output (stdout and stderr together). */
    public record Result(int status, String output) {
        public boolean succeeded() {
            return status == 0;
        }
    }

    /** Runs the program; its output when it exits with 0, else an exception naming it and its output. */
    public static String run(List<String> argv) {
        Result result = result(argv, Map.of());
        if (!result.succeeded()) {
            throw new IllegalStateException(String.join(" ", argv) + " exited with " + result.status() + ": "
                    + result.output().strip());
        }
        return result.output();
    }

    /** Runs the program with these further environment variables, without input; answers how it ended. */
    public static Result result(List<String> argv, Map<String, String> environment) {
        try {
            ProcessBuilder builder = new ProcessBuilder(argv).redirectErrorStream(true);
            builder.environment().putAll(environment);
            Process process = builder.start();
            process.getOutputStream().close();
            CompletableFuture<byte[]> output = CompletableFuture.supplyAsync(() -> readAll(process));
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", argv) + " did not end within " + TIMEOUT_SECONDS + " s");
            }
            return new Result(process.exitValue(), new String(output.join(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + argv.get(0), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + argv.get(0), e);
        }
    }

    private static byte[] readAll(Process process) {
        try {
            return process.getInputStream().readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
