package io.kunlun.core.ops;

import io.kunlun.core.ManagerException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

class ParallelTest {
    @Test
    void anInterruptedRunReturnsOnlyAfterItsStepsHaveEnded() throws Exception {
        CountDownLatch bothStarted = new CountDownLatch(2);
        AtomicInteger running = new AtomicInteger();
        Runnable slowToStop = () -> {
            running.incrementAndGet();
            bothStarted.countDown();
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                // A step that cleans up after an interrupt, as a command being killed does.
                long cleanupEnds = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500);
                while (System.nanoTime() < cleanupEnds) {
                    Thread.onSpinWait();
                }
            } finally {
                running.decrementAndGet();
            }
        };
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicInteger runningWhenReturned = new AtomicInteger(-1);
        Thread caller = new Thread(() -> {
            try {
                Parallel.run(List.of(slowToStop, slowToStop));
            } catch (RuntimeException e) {
                thrown.set(e);
            } finally {
                runningWhenReturned.set(running.get());
            }
        });
        caller.start();
        assertThat(bothStarted.await(10, TimeUnit.SECONDS)).isTrue();

        caller.interrupt();
        caller.join(TimeUnit.SECONDS.toMillis(10));

        assertThat(caller.isAlive()).isFalse();
        assertThat(runningWhenReturned.get()).isZero();
        assertThat(thrown.get()).isInstanceOf(ManagerException.class)
                .hasMessage("interrupted while waiting for steps");
    }
}
