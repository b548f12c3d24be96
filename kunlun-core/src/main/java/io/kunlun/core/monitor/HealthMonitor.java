package io.kunlun.core.monitor;

import io.kunlun.core.meta.MetadataStore;
import io.kunlun.core.config.HealingConfig;
import io.kunlun.core.engines.ReplicationState;
import io.kunlun.core.jobs.JobEngine;
import io.kunlun.core.ops.instances.ControlInstance;
import io.kunlun.core.ops.Drivers;
import io.kunlun.core.ops.healing.PrimaryFailover;
import io.kunlun.model.Cluster;
import io.kunlun.model.HaMode;
import io.kunlun.model.Instance;
import io.kunlun.model.InstanceKind;
import io.kunlun.model.InstanceStatus;
import io.kunlun.model.Role;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * Checks every instance on an interval and records what it finds: ACTIVE when its server runs
 * and answers, UNREACHABLE when it does not; an rbr storage node's role from whether it
 * replicates. An rbr primary found not answering in two rounds in a row is handed to the
 * {@link AutoFailover}; any other instance whose server is found not running in two rounds in a
 * row (or such a primary the failover did not replace) to the {@link Keepalive}. Whether a
 * machine's servers run is read from one listing of its processes per round, not one per instance. Instances being created, stopped on purpose or given up (FAILED) are
 * left alone, and a status is only
 * replaced while it is still the one the check started from, so that a job's record made
 * meanwhile (a stop, say) is never overwritten.
 */
public final class HealthMonitor implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HealthMonitor.class);
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(30);
    /**
     * The most one probe of an instance (running? answering? which role?) may take. A command
     * under way when its machine's network goes away waits for output that never comes, up to the
     * command's own timeout (a minute); the probe gives up sooner, so that the machine's other
     * instances are still checked within a few rounds. Taking, not finding, an instance down
     * never starts or replaces anything: the keepalive acts only on a server found not running,
     * and a failover only when the replicas confirm.
     */
    private static final Duration PROBE_LIMIT = Duration.ofSeconds(10);

    private final MetadataStore store;
    private final HealthProbes probes;
    private final Duration interval;
    private final Keepalive keepalive;
    private final ManagerMetrics metrics;
    private final AutoFailover failover;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            task -> daemon(task, "health-monitor"));
    /** Machines checked at once, a thread each; a machine's instances are checked one after another. */
    private final ExecutorService machineChecks;
    private final ScheduledExecutorService probeAlarms = Executors.newSingleThreadScheduledExecutor(
            task -> daemon(task, "health-probe-limit"));
    private volatile boolean closing;
    private final Set<String> machinesBeingChecked = ConcurrentHashMap.newKeySet();
    private final Runnable keepArchiversAlive;
    private final AtomicBoolean archiversBeingChecked = new AtomicBoolean();
    /** Rounds in a row each instance (by address) was found down; healthy ones are not in it. */
    private final Map<String, Integer> missedInARow = new ConcurrentHashMap<>();
    private final int missedProbesForDeath;

    /**
     * @param probes what a round asks of each machine and instance ({@link HealthProbes#of} the drivers')
     * @param machinesAtOnce how many machines are checked at once (health_concurrency)
     * @param keepArchiversAlive keeps the binlog archivers running, once per round like a machine
     * @param healing whether and how instances found dead are started again and lost rbr primaries replaced
     * @param control whose start the keepalive uses, under the cluster job locks of {@code jobs}
     */
    public HealthMonitor(MetadataStore store, Drivers drivers, HealthProbes probes, Duration interval,
                         int machinesAtOnce, Runnable keepArchiversAlive, HealingConfig healing, ControlInstance control,
                         JobEngine jobs, ManagerMetrics metrics, Clock clock) {
        this.store = store;
        this.probes = probes;
        this.interval = interval;
        this.machineChecks = Executors.newFixedThreadPool(machinesAtOnce, task -> daemon(task, "health-check"));
        this.keepArchiversAlive = keepArchiversAlive;
        this.missedProbesForDeath = healing.missedProbes();
        ClusterLock lock = new ClusterLock(jobs, control);
        HealingEvents events = new HealingEvents(store, jobs, lock, clock);
        this.failover = new AutoFailover(store, drivers, new PrimaryFailover(store, drivers), lock, healing, metrics,
                events);
        this.keepalive = new Keepalive(store, drivers, control, lock, healing, metrics, events, failover);
        this.metrics = metrics;
    }

    /** Checks every instance now and then once per interval, until closed. */
    public void start() {
        timer.scheduleWithFixedDelay(this::checkAll, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * One round over every instance of every cluster, machines at once. A machine still being
     * checked from an earlier round (an instance that hangs its probe up to the client's timeout)
     * is left out of this one, so it delays only its own instances' next checks. The metadata is
     * read in two queries whatever the number of clusters (all instances, then the clusters): one
     * query per cluster took about 30 s a round at 1 000 clusters and 100 000 instances. An instance
     * whose cluster is made or deleted between the two waits for the next round. A failure is
     * logged and the next round tries again.
     */
    private void checkAll() {
        metrics.healthRoundStarted();
        try {
            Map<String, List<Check>> byMachine = new LinkedHashMap<>();
            Map<String, List<Instance>> instances = store.clusters().instancesByCluster();
            for (Cluster cluster : store.clusters().listClusters()) {
                for (Instance instance : instances.getOrDefault(cluster.name(), List.of())) {
                    byMachine.computeIfAbsent(instance.hostaddr(), machine -> new ArrayList<>())
                            .add(processes -> check(cluster, instance, processes));
                }
            }
            if (archiversBeingChecked.compareAndSet(false, true)) {
                machineChecks.execute(() -> {
                    try {
                        keepArchiversAlive.run();
                    } catch (RuntimeException e) {
                        LOG.warn("binlog archive check failed: {}", e.getMessage());
                    } finally {
                        archiversBeingChecked.set(false);
                    }
                });
            }
            byMachine.forEach((machine, checks) -> {
                if (machinesBeingChecked.add(machine)) {
                    machineChecks.execute(() -> {
                        try {
                            inTurn(machine, checks);
                        } finally {
                            machinesBeingChecked.remove(machine);
                        }
                    });
                }
            });
        } catch (RejectedExecutionException closing) {
            LOG.debug("health checks stop: the monitor is closing");
        } catch (RuntimeException e) {
            LOG.warn("health check round failed: {}", e.getMessage());
        }
    }

    /** One instance's check, given what runs on its machine. */
    private interface Check {
        void run(Processes processes);
    }

    /**
     * The machine's processes, listed once at the start of its turn (one {@code ps} for all its
     * instances); when they could not be listed, every instance's answer is that failure.
     */
    private record Processes(Optional<HealthProbes.RunningServers> listed, RuntimeException unlisted) {
        boolean running(Instance instance) {
            return listed.orElseThrow(() -> unlisted).runs(instance);
        }
    }

    private void inTurn(String machine, List<Check> checks) {
        Processes processes;
        try {
            processes = new Processes(Optional.of(probe(() -> probes.processes(machine))), null);
        } catch (RuntimeException e) {
            processes = new Processes(Optional.empty(), e);
        }
        for (Check check : checks) {
            if (closing || Thread.currentThread().isInterrupted()) {
                return;
            }
            try {
                check.run(processes);
            } catch (RuntimeException e) {
                LOG.warn("health check failed: {}", e.getMessage());
            }
        }
    }

    private static Thread daemon(Runnable task, String name) {
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        return thread;
    }

    private void check(Cluster cluster, Instance instance, Processes processes) {
        if (instance.status() == InstanceStatus.CREATING || instance.status() == InstanceStatus.STOPPED
                || instance.status() == InstanceStatus.FAILED) {
            missedInARow.remove(instance.address()); // its misses start again when it is checked again
            return;
        }
        boolean rbr = cluster.spec().haMode() == HaMode.RBR;
        boolean rbrStorage = rbr && instance.kind() == InstanceKind.STORAGE;
        Optional<Boolean> running = Optional.empty();
        Optional<ReplicationState> replication = Optional.empty();
        boolean healthy;
        try {
            running = Optional.of(processes.running(instance));
            if (running.get() && rbrStorage) {
                replication = probe(() -> probes.replicationState(instance));
                healthy = replication.isPresent();
            } else {
                healthy = running.get() && probe(() -> probes.answers(instance));
            }
        } catch (RuntimeException e) {
            LOG.warn("{}: health check failed: {}", instance.address(), e.getMessage());
            healthy = false;
        }
        if (closing) {
            // A probe this monitor's close cut off says nothing of the instance: nothing is recorded or acted on.
            return;
        }
        InstanceStatus found = healthy ? InstanceStatus.ACTIVE : InstanceStatus.UNREACHABLE;
        if (found != instance.status()
                && store.clusters().replaceStatus(instance.hostaddr(), instance.port(), instance.status(), found)) {
            LOG.info("{}: {} -> {}", instance.address(), instance.status().wireName(), found.wireName());
        }
        // Down in missed_probes rounds in a row: one missed probe (a server restarting) is not a death. A
        // primary's server gone is one (and its replicas must confirm it): its failover does not wait for more.
        boolean downAgain = missedProbes(instance, healthy) >= missedProbesForDeath;
        boolean primaryGone = running.equals(Optional.of(false)) || downAgain;
        boolean replaced = primaryGone && failover.covers(cluster, instance) && failover.primaryDown(cluster, instance);
        if (!replaced && downAgain && running.equals(Optional.of(false))) {
            keepalive.instanceDown(cluster, instance);
        }
        if (healthy && rbr) {
            if (rbrStorage) {
                roleFound(replication.orElseThrow()).ifPresent(role -> recordRole(instance, role));
            } else {
                probe(() -> {
                    failover.compAnswers(instance);
                    return null;
                });
            }
        }
    }

    /**
     * How many rounds in a row found the instance down, this one included. One recorded
     * unreachable before this manager counted (a restart in between) counts as one.
     */
    private int missedProbes(Instance instance, boolean healthy) {
        if (healthy) {
            failover.answered(instance);
            missedInARow.remove(instance.address());
            return 0;
        }
        return missedInARow.merge(instance.address(), instance.status() == InstanceStatus.UNREACHABLE ? 2 : 1,
                (before, first) -> before + 1);
    }

    /**
     * A node that replicates from another is a replica; one that does not and takes writes is the
     * shard's primary. A read-only node that replicates from nobody is between the two (an old
     * primary fenced by a switchover, a replica being promoted): none is found, so that its
     * recorded role stands and the monitor never contradicts a switchover in progress.
     */
    private static Optional<Role> roleFound(ReplicationState replication) {
        if (!replication.source().isEmpty()) {
            return Optional.of(Role.REPLICA);
        }
        return replication.readOnly() ? Optional.empty() : Optional.of(Role.PRIMARY);
    }

    /**
     * Records the role found when it differs, except for a node recorded as a replica that takes
     * writes while the recorded primary takes writes too: the second primary of a partition,
     * which the failover fences and rejoins instead (outside the probe's bound: it may reseed).
     */
    private void recordRole(Instance instance, Role found) {
        if (instance.role().orElse(null) == found) {
            return;
        }
        if (found == Role.PRIMARY && instance.role().orElse(null) == Role.REPLICA
                && failover.fencedAsSecondPrimary(instance)) {
            return;
        }
        store.clusters().setRole(instance.hostaddr(), instance.port(), found);
        LOG.info("{}: role {}", instance.address(), found.wireName());
    }

    /**
     * Runs the probe on this thread, interrupted when it takes longer than {@link #PROBE_LIMIT}
     * (the machine's command then stops waiting and fails). A late alarm is cleared.
     */
    private <T> T probe(Supplier<T> probe) {
        Thread checking = Thread.currentThread();
        ScheduledFuture<?> alarm = probeAlarms.schedule(checking::interrupt,
                PROBE_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
        try {
            return probe.get();
        } finally {
            alarm.cancel(false);
            Thread.interrupted();
        }
    }

    /** Stops checking; waits for a round in progress to end. */
    @Override
    public void close() {
        closing = true;
        timer.shutdownNow();
        machineChecks.shutdownNow();
        probeAlarms.shutdownNow();
        try {
            if (!timer.awaitTermination(CLOSE_WAIT.toSeconds(), TimeUnit.SECONDS)
                    || !machineChecks.awaitTermination(CLOSE_WAIT.toSeconds(), TimeUnit.SECONDS)) {
                LOG.warn("the health monitor did not stop within {} s", CLOSE_WAIT.toSeconds());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
