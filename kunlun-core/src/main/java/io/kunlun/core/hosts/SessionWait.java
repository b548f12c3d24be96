package io.kunlun.core.hosts;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * How long the commands that the current thread runs may wait for free SSH sessions on their
 * machines. Jobs wait as long as it takes (the commands ahead of them are bounded by their own
 * timeouts, which can be an hour); a request answered inline cannot keep its client, and an HTTP
 * worker, waiting that long, so it sets a bound around its work. The bound is a deadline for the
 * whole work, however many commands it runs: each command waits at most for what is left of it.
 */
public final class SessionWait {
    private static final ThreadLocal<Bound> BOUND = new ThreadLocal<>();

    /** The limit as set, and the moment ({@link System#nanoTime}) it runs out. */
    record Bound(Duration limit, long deadlineNanos) {
        /** What is left of the limit, never negative. */
        long remainingNanos() {
            return Math.max(0, deadlineNanos - System.nanoTime());
        }
    }

    private SessionWait() {
    }

    /** Runs {@code work}, whose commands may wait for sessions until {@code limit} from now. */
    public static <T> T atMost(Duration limit, Supplier<T> work) {
        Bound outer = BOUND.get();
        BOUND.set(new Bound(limit, System.nanoTime() + limit.toNanos()));
        try {
            return work.get();
        } finally {
            if (outer == null) {
                BOUND.remove();
            } else {
                BOUND.set(outer);
            }
        }
    }

    /** The bound set around the current thread's work, if any. */
    static Optional<Bound> bound() {
        return Optional.ofNullable(BOUND.get());
    }
}
