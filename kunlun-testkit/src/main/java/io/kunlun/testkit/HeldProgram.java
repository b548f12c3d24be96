package io.kunlun.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * A stand-in for an engine program (initdb, say, through {@code machine_engines}) that holds a
 * job mid-run: it waits while its hold file exists (two minutes at most), then fails without doing
 * anything. The instance account runs it, so its directory is open to every account.
 */
public final class HeldProgram {
    private static final int MAX_WAIT_STEPS = 2400;

    private final Path program;
    private final Path hold;
    private final Path waiting;

    private HeldProgram(Path program, Path hold, Path waiting) {
        this.program = program;
        this.hold = hold;
        this.waiting = waiting;
    }

    /** Writes the program {@code name} into a new directory under {@code parent}, held from the start. */
    public static HeldProgram in(Path parent, String name) {
        try {
            parent.toFile().setExecutable(true, false);
            Path directory = Files.createDirectory(parent.resolve("held-" + name));
            Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxrwxrwx"));
            Path hold = Files.createFile(directory.resolve("hold"));
            Path waiting = directory.resolve("waiting");
            Path program = Files.writeString(directory.resolve(name), "#!/bin/sh\n"
                    + "i=0\n"
                    + "while [ -e " + hold + " ] && [ $i -lt " + MAX_WAIT_STEPS + " ]; do : > " + waiting
                    + "; sleep 0.05; i=$((i+1)); done\n"
                    + "echo '" + name + ": held by the test' >&2; exit 1\n");
            Files.setPosixFilePermissions(program, PosixFilePermissions.fromString("rwxr-xr-x"));
            return new HeldProgram(program, hold, waiting);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The program's path, for the engine configuration. */
    public Path path() {
        return program;
    }

    /**
     * Waits until a job runs the program and is held in it; {@code describeJob} says where the
     * job is instead when it does not get there.
     */
    public void awaitHeld(Duration timeout, Supplier<String> describeJob) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!Files.exists(waiting)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no job ran " + program + " within " + timeout + ": " + describeJob.get());
            }
            Thread.sleep(20);
        }
    }

    /** Lets the program go on: it fails at once. */
    public void release() {
        try {
            Files.deleteIfExists(hold);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
