package io.kunlun.core.monitor;

import io.kunlun.core.ManagerException;
import io.kunlun.core.config.HealingConfig;
import io.kunlun.core.engines.ReplicaStatus;
import io.kunlun.core.meta.EventTable;
import io.kunlun.core.meta.MetadataStore;
import io.kunlun.core.ops.Drivers;
import io.kunlun.core.ops.healing.PrimaryFailover;
import io.kunlun.model.Cluster;
import io.kunlun.model.HaMode;
import io.kunlun.model.Instance;
import io.kunlun.model.InstanceKind;
import io.kunlun.model.InstanceStatus;
import io.kunlun.model.Role;
import io.kunlun.model.job.JobType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.kunlun.core.ops.topology.CompLinkRepair;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * rbr failover without anyone asking: an rbr primary whose server the health monitor found
 * gone, or not answering in two rounds in a row, is replaced by its most advanced replica
 * ({@link PrimaryFailover}), under the cluster's job lock, once every replica that answers
 * confirms it lost the primary too. The old primary is fenced: its configuration made read-only
 * and its server killed if it still runs (hung), so when the keepalive starts it again it cannot
 * take writes beside the new primary; it is then made a replica of the new primary
 * ({@link #rejoinIfDetached}), reseeded from it with its own data kept aside when it holds
 * transactions the new primary lacks.
 *
 * <p>A failover the replicas do not confirm (a manager cut off from the primary alone; a hung
 * primary, until its replicas' receivers time out) is not made; the next round looks again. A
 * dead primary whose replicas cannot confirm (none answers) is left to the keepalive.
 */
final class AutoFailover {
    private static final Logger LOG = LoggerFactory.getLogger(AutoFailover.class);

    private final MetadataStore store;
    private final Drivers drivers;
    private final PrimaryFailover failover;
    private final ClusterLock lock;
    private final HealingConfig config;
    private final ManagerMetrics metrics;
    private final HealingEvents events;
    private final CompLinkRepair linkRepair;
    /**
     * Comps whose links this manager found pointing at their shards' recorded primaries, or
     * re-pointed: each comp is looked at once after the manager starts (a failover before it may
     * have left one behind) and again after a failover that could not re-point it.
     */
    private final Set<String> compLinksConfirmed = ConcurrentHashMap.newKeySet();
    /** Primaries (by address) whose failover was refused during their current outage: said once, not every round. */
    private final Set<String> refusalRecorded = ConcurrentHashMap.newKeySet();

    AutoFailover(MetadataStore store, Drivers drivers, PrimaryFailover failover, ClusterLock lock,
                 HealingConfig config, ManagerMetrics metrics, HealingEvents events) {
        this.store = store;
        this.drivers = drivers;
        this.failover = failover;
        this.lock = lock;
        this.config = config;
        this.metrics = metrics;
        this.events = events;
        this.linkRepair = new CompLinkRepair(store, drivers);
    }

    /** Whether the instance is an rbr primary that failover would replace when it is lost. */
    boolean covers(Cluster cluster, Instance instance) {
        return config.failover() && instance.kind() == InstanceKind.STORAGE && cluster.spec().haMode() == HaMode.RBR
                && instance.role().orElse(null) == Role.PRIMARY;
    }

    /** Answers whether the shard got a new primary. */
    boolean primaryDown(Cluster cluster, Instance primary) {
        AtomicBoolean failedOver = new AtomicBoolean();
        lock.runIfIdle(primary, () -> failedOver.set(failOverUnderLock(cluster, primary)));
        return failedOver.get();
    }

    private boolean failOverUnderLock(Cluster cluster, Instance seen) {
        Optional<Instance> found = store.clusters().findInstance(seen.hostaddr(), seen.port())
                .filter(now -> now.clusterName().equals(seen.clusterName()))
                .filter(now -> now.status() != InstanceStatus.STOPPED && now.status() != InstanceStatus.CREATING
                        && now.status() != InstanceStatus.FAILED && covers(cluster, now));
        if (found.isEmpty() || answers(found.get())) {
            return false;
        }
        Instance primary = found.get();
        long started = System.nanoTime();
        PrimaryFailover.Outcome outcome;
        // Its job begins with the failover's first step, once the replicas confirmed; a refusal makes one per outage.
        try (HealingEvents.Action action = events.action(JobType.AUTO_FAILOVER, primary, 4)) {
            try {
                outcome = failover.failOver(cluster, primary, action::step);
            } catch (ManagerException refused) {
                if (action.started()) {
                    action.failed(EventTable.Kind.FAILOVER_FAILED, refused.getMessage()
                            + "; looked at again next round");
                } else if (refusalRecorded.add(primary.address())) {
                    action.step("asking the replicas whether they lost " + primary.address() + " too");
                    action.failed(EventTable.Kind.FAILOVER_REFUSED, refused.getMessage()
                            + "; looked at again every round, said again after the primary answered");
                } else {
                    LOG.debug("{}: not answering; {}", primary.address(), refused.getMessage());
                }
                return false;
            }
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            metrics.failedOver(took);
            outcome.compsNotRepointed().forEach(comp -> compLinksConfirmed.remove(comp.address()));
            action.succeeded(EventTable.Kind.FAILED_OVER, "primary lost by its replicas; "
                    + outcome.newPrimary().address() + " promoted at " + outcome.applied() + " in " + took.toMillis()
                    + " ms");
        }
        return true;
    }

    /** The instance answered the health monitor: a refusal to replace it is said again at its next outage. */
    void answered(Instance instance) {
        refusalRecorded.remove(instance.address());
    }

    private boolean answers(Instance instance) {
        try {
            return drivers.answers(instance);
        } catch (ManagerException unreachable) {
            return false;
        }
    }

    /**
     * After the keepalive started an rbr node recorded as a replica that replicates from nobody
     * (an old primary a failover replaced): makes it follow the shard's primary, reseeding it with
     * its data kept aside when it holds transactions the primary lacks. Runs under the lock.
     */
    void rejoinIfDetached(Instance instance) {
        Optional<Cluster> cluster = store.clusters().findCluster(instance.clusterName());
        if (cluster.isEmpty() || cluster.get().spec().haMode() != HaMode.RBR || instance.kind() != InstanceKind.STORAGE
                || instance.role().orElse(null) != Role.REPLICA) {
            return;
        }
        ReplicaStatus status = drivers.storage(instance.hostaddr()).replicaStatus(drivers.storageNode(instance));
        if (!status.primaryHost().isEmpty()) {
            return;
        }
        try (HealingEvents.Action action = events.action(JobType.AUTO_REJOIN, instance, 1)) {
            rejoin(action, instance, "");
        }
    }

    /**
     * An rbr node that the metadata records as a replica, found taking writes and replicating from
     * nobody, while the shard's recorded primary takes writes too: an old primary a failover could
     * not fence (its machine was cut off from everything) that is reachable again. The comps write
     * to the recorded primary; this one is made read-only at once, then rejoins as its replica,
     * reseeded with its data kept aside when it took writes of its own meanwhile. Answers false
     * only when, under the cluster's lock, it is not that (the recorded primary does not take
     * writes: a failover cut off after its promotion, which the next round makes again); a job of
     * the cluster running now (a switchover promoting it) leaves it alone, answering true.
     */
    boolean fencedAsSecondPrimary(Instance seen) {
        if (!config.failover()) {
            return false;
        }
        AtomicBoolean second = new AtomicBoolean(true);
        lock.runIfIdle(seen, () -> {
            Optional<Instance> recordedPrimary = failover.writableRecordedPrimary(seen);
            Optional<Instance> node = store.clusters().findInstance(seen.hostaddr(), seen.port())
                    .filter(now -> now.clusterName().equals(seen.clusterName()) && now.role().orElse(null) == Role.REPLICA);
            if (recordedPrimary.isEmpty() || node.isEmpty()) {
                second.set(false);
                return;
            }
            String beside = "took writes beside the shard's primary " + recordedPrimary.get().address();
            try (HealingEvents.Action action = events.action(JobType.AUTO_REJOIN, node.get(), 2)) {
                action.step(beside + ", which its comps write to: making it read-only");
                drivers.storage(seen.hostaddr()).fence(drivers.storageNode(node.get()));
                rejoin(action, node.get(), beside + ": made read-only; ");
            }
        });
        return second.get();
    }

    /** Makes the node a replica of its shard's primary, as the action's last step, recording how it ended. */
    private void rejoin(HealingEvents.Action action, Instance instance, String before) {
        action.step("making " + instance.address() + " a replica of the shard's primary, reseeded first when it"
                + " holds transactions the primary lacks");
        try {
            PrimaryFailover.Rejoin rejoin = failover.rejoin(instance, events.now());
            action.succeeded(EventTable.Kind.REJOINED, before + rejoin.keptAside()
                    .map(keptAside -> "held transactions the primary lacks (" + rejoin.errant() + "): its data kept"
                            + " aside in " + keptAside + "; reseeded from a backup of the primary, replicates from it")
                    .orElse("replicates from the shard's primary again"));
        } catch (ManagerException e) {
            action.failed(EventTable.Kind.REJOIN_REFUSED, before + "could not rejoin: " + e.getMessage());
        }
    }

    /**
     * A comp of an rbr cluster that answers: once after this manager started, and after a
     * failover that could not re-point it, its links are pointed at the shards' recorded
     * primaries where they point elsewhere ({@link CompLinkRepair}). Under the cluster's lock; a
     * failure is tried again at its next answer.
     */
    void compAnswers(Instance comp) {
        if (!config.failover() || compLinksConfirmed.contains(comp.address())) {
            return;
        }
        lock.runIfIdle(comp, () -> {
            try {
                List<String> repointed = linkRepair.repair(comp);
                compLinksConfirmed.add(comp.address());
                if (!repointed.isEmpty()) {
                    LOG.info("{}: links to {} pointed at their primaries again", comp.address(), repointed);
                }
            } catch (ManagerException e) {
                LOG.warn("{}: its links to the shards' primaries could not be checked: {}", comp.address(),
                        e.getMessage());
            }
        });
    }
}
