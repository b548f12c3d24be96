package io.kunlun.core.engines;

import io.kunlun.core.ManagerException;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The threads of state transfers' receiving ends. */
class TransfersTest {
    @Test
    void aTransferRunsOnANamedThreadOfItsOwn() throws Exception {
        try (Transfers transfers = new Transfers()) {
            String thread = transfers.start("127.0.0.1:1", () -> Thread.currentThread().getName())
                    .get(10, TimeUnit.SECONDS);

            assertThat(thread).startsWith("kunlun-transfer-");
        }
    }

    @Test
    void oneTransferMoreThanTheBoundIsRefusedNotQueued() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (Transfers transfers = new Transfers()) {
            List<CompletableFuture<Boolean>> running = new ArrayList<>();
            for (int i = 0; i < Transfers.MAX_CONCURRENT; i++) {
                running.add(transfers.start("127.0.0.1:1", () -> awaitQuietly(release)));
            }

            assertThatThrownBy(() -> transfers.start("127.0.0.1:2", () -> true))
                    .isInstanceOf(ManagerException.class)
                    .hasMessage("127.0.0.1:2: 16 state transfers run already; try again when one has ended");
            release.countDown();
            for (CompletableFuture<Boolean> transfer : running) {
                assertThat(transfer.get(10, TimeUnit.SECONDS)).isTrue();
            }
        }
    }

    @Test
    void closingInterruptsRunningTransfersAndRefusesNewOnes() throws Exception {
        Transfers transfers = new Transfers();
        CountDownLatch started = new CountDownLatch(1);
        CompletableFuture<Boolean> running = transfers.start("127.0.0.1:1", () -> {
            started.countDown();
            return awaitQuietly(new CountDownLatch(1));
        });
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();

        transfers.close();

        assertThat(running.get(10, TimeUnit.SECONDS)).as("interrupted").isFalse();
        assertThatThrownBy(() -> transfers.start("127.0.0.1:3", () -> true))
                .isInstanceOf(ManagerException.class)
                .hasMessage("127.0.0.1:3: the manager is shutting down");
    }

    /** Waits for the latch: true when released, false when interrupted. */
    private static boolean awaitQuietly(CountDownLatch latch) {
        try {
            return latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            return false;
        }
    }
}
