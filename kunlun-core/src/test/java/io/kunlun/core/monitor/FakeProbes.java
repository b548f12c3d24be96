package io.kunlun.core.monitor;

import io.kunlun.core.engines.ReplicationState;
import io.kunlun.model.Instance;
import io.kunlun.model.Role;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A healthy fleet whose every probe takes {@code latency}: each server runs and answers, a node
 * recorded as a replica replicates, a primary takes writes. A machine made to hang never returns
 * its process listing, interrupted or not, until {@link #release}. Counts the commands, the
 * machines listed at once and each instance's answers, and notes when each first answered.
 */
final class FakeProbes implements HealthProbes {
    /** How long a hung listing waits for {@link #release} at most, so that no test thread is lost for good. */
    private static final Duration HUNG_AT_MOST = Duration.ofMinutes(5);

    private final Duration latency;
    private final Set<String> hung = ConcurrentHashMap.newKeySet();
    private final CountDownLatch released = new CountDownLatch(1);
    /** How many times each instance (by address) answered. */
    final Map<String, Integer> answered = new ConcurrentHashMap<>();
    final AtomicLong commands = new AtomicLong();
    final AtomicLong firstListing = new AtomicLong(Long.MAX_VALUE);
    final AtomicLong lastFirstAnswer = new AtomicLong();
    private final AtomicInteger machinesNow = new AtomicInteger();
    final AtomicInteger mostMachinesAtOnce = new AtomicInteger();

    FakeProbes(Duration latency) {
        this.latency = latency;
    }

    /** The machine's process listing never returns from now on (until released). */
    FakeProbes hanging(String machine) {
        hung.add(machine);
        return this;
    }

    /** Lets every hung listing return (failing). */
    void release() {
        released.countDown();
    }

    @Override
    public RunningServers processes(String machine) {
        firstListing.accumulateAndGet(System.nanoTime(), Math::min);
        mostMachinesAtOnce.accumulateAndGet(machinesNow.incrementAndGet(), Math::max);
        try {
            if (hung.contains(machine)) {
                hang();
            }
            command();
            return instance -> true;
        } finally {
            machinesNow.decrementAndGet();
        }
    }

    @Override
    public boolean answers(Instance instance) {
        command();
        if (answered.merge(instance.address(), 1, Integer::sum) == 1) {
            lastFirstAnswer.accumulateAndGet(System.nanoTime(), Math::max);
        }
        return true;
    }

    @Override
    public Optional<ReplicationState> replicationState(Instance storage) {
        answers(storage);
        return Optional.of(new ReplicationState(storage.role().orElse(null) == Role.REPLICA ? "the shard's primary" : "",
                false));
    }

    /** Deaf to interrupts, like a command whose output never comes and whose wait ignores them. */
    private void hang() {
        long until = System.nanoTime() + HUNG_AT_MOST.toNanos();
        boolean interrupted = false;
        while (released.getCount() > 0 && System.nanoTime() < until) {
            try {
                released.await(until - System.nanoTime(), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        throw new IllegalStateException("the listing hung");
    }

    /** One command's round trip; the probe limit interrupts it like a real command's wait. */
    private void command() {
        commands.incrementAndGet();
        try {
            Thread.sleep(latency.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("probe interrupted", e);
        }
    }
}
