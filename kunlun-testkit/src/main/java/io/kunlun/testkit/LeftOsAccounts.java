package io.kunlun.testkit;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Deletes the operating-system accounts a test's manager made for its clusters and left (those
 * of clusters the test did not delete), killing what still runs as them: without this, every
 * suite run leaves its {@code kunlun_c<16 hex>} accounts behind.
 */
final class LeftOsAccounts {
    private static final Duration DELETION_PATIENCE = Duration.ofSeconds(5);
    /** userdel: a process still runs as the account. */
    private static final int USERDEL_ACCOUNT_IN_USE = 8;

    private LeftOsAccounts() {
    }

    /**
     * Each account's name is the manager's own (its installation's), so nothing else runs as it.
     * Without root (or without the account any more) there is nothing to delete.
     */
    static void delete(List<String> accounts) {
        for (String account : accounts) {
            long deadline = System.nanoTime() + DELETION_PATIENCE.toNanos();
            do {
                Programs.result(List.of("pkill", "-KILL", "-u", account), Map.of());
            } while (Programs.result(List.of("userdel", "--", account), Map.of()).status() == USERDEL_ACCOUNT_IN_USE
                    && System.nanoTime() < deadline && pause());
        }
    }

    private static boolean pause() {
        try {
            Thread.sleep(100);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
