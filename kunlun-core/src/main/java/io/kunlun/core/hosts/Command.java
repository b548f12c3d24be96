package io.kunlun.core.hosts;

import io.kunlun.core.ManagerException;

import java.time.Duration;
import java.util.List;

/**
 * A program and its arguments, run without a shell on a local machine and quoted word by word on
 * a remote one, so that no argument is ever interpreted by a shell.
 */
public record Command(List<String> argv, byte[] stdin, Duration timeout) {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    public Command {
        argv = List.copyOf(argv);
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("a command needs a program");
        }
        stdin = stdin == null ? new byte[0] : stdin.clone();
        timeout = timeout == null ? DEFAULT_TIMEOUT : timeout;
        if (timeout.isNegative() || timeout.isZero()) {
            // timeout(1), which bounds remote commands, reads 0 as "no limit".
            throw new IllegalArgumentException("a command's timeout must be positive, got " + timeout);
        }
    }

    public static Command of(String... argv) {
        return new Command(List.of(argv), null, DEFAULT_TIMEOUT);
    }

    public Command withStdin(byte[] input) {
        return new Command(argv, input, timeout);
    }

    public Command withTimeout(Duration limit) {
        return new Command(argv, stdin, limit);
    }

    /** The command as one shell line, every word quoted. */
    public String toShellLine() {
        return ShellQuote.join(argv);
    }

    /** The error for a command that did not end within its timeout on the machine {@code hostaddr}. */
    public ManagerException timedOut(String hostaddr) {
        return new ManagerException(ManagerException.Code.HOST_UNREACHABLE,
                hostaddr + ": " + argv.get(0) + " timed out after " + timeout.toSeconds() + " s");
    }

    @Override
    public String toString() {
        return toShellLine();
    }
}
