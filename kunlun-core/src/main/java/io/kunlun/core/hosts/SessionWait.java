package io.kunlun.core.hosts;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * How long the commands that the current thread runs may wait for a free SSH session on their
 * machine. Jobs wait as long as it takes (the commands ahead of them are bounded by their own
 * timeouts, which can be an hour); a request answered inline cannot keep its client, and an HTTP
 * worker, waiting that long, so it sets a bound around its work.
 */
public final class SessionWait {
    private static final ThreadLocal<Duration> LIMIT = new ThreadLocal<>();

    private SessionWait() {
    }

    /** Runs {@code work} with commands waiting at most {@code limit} for a session. */
    public static <T> T atMost(Duration limit, Supplier<T> work) {
        Duration outer = LIMIT.get();
        LIMIT.set(limit);
        try {
            return work.get();
        } finally {
            if (outer == null) {
                LIMIT.remove();
            } else {
                LIMIT.set(outer);
            }
        }
    }

    /** The bound set around the current thread's work, if any. */
    static Optional<Duration> limit() {
        return Optional.ofNullable(LIMIT.get());
    }
}
