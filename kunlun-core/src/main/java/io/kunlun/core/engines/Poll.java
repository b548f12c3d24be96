package io.kunlun.core.engines;

import io.kunlun.core.ManagerException;

/**
 * The pace of one wait on a server: a pause of 150 ms at first, growing with the time already
 * waited (an eighth of it) up to 1 s. A start that takes two seconds is still seen within a
 * quarter of a second of its end; a state transfer that takes thirty costs some forty probes
 * (each a client or a process) instead of two hundred.
 */
public final class Poll {
    private static final long FIRST_MILLIS = 150;
    private static final long LONGEST_MILLIS = 1000;

    private final long started = System.nanoTime();

    /** Sleeps for this wait's next interval. */
    public void pause() {
        long waitedMillis = (System.nanoTime() - started) / 1_000_000;
        try {
            Thread.sleep(Math.min(LONGEST_MILLIS, FIRST_MILLIS + waitedMillis / 8));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ManagerException(ManagerException.Code.INTERRUPTED, "interrupted while waiting for a database server");
        }
    }
}
