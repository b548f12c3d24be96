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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * rbr failover without anyone asking: an rbr primary whose server the health monitor found
 * gone, or not answering in two rounds in a row, is replaced by its most advanced replica
 * ({@link PrimaryFailover}), under the cluster's job lock, once every replica that answers
 * confirms it lost the primary too. The old primary's configuration is made read-only first, so
 * when the keepalive starts it again it cannot take writes beside the new primary; it is then
 * made a replica of the new primary ({@link #rejoinIfDetached}) when it holds nothing the new
 * primary lacks, and otherwise left read-only and detached, the event naming its errant GTIDs.
 *
 * <p>A failover the replicas do not confirm (a primary that hangs but keeps its replicas'
 * connections, or a manager cut off from the primary alone) is not made; the next round looks
 * again. A dead primary whose replicas cannot confirm (none answers) is left to the keepalive.
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

    AutoFailover(MetadataStore store, Drivers drivers, PrimaryFailover failover, ClusterLock lock,
                 HealingConfig config, ManagerMetrics metrics, HealingEvents events) {
        this.store = store;
        this.drivers = drivers;
        this.failover = failover;
        this.lock = lock;
        this.config = config;
        this.metrics = metrics;
        this.events = events;
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
        Instant at = events.now();
        long started = System.nanoTime();
        PrimaryFailover.Outcome outcome;
        try {
            outcome = failover.failOver(cluster, primary, step -> LOG.info("{}: failover: {}", primary.address(), step));
        } catch (ManagerException refused) {
            LOG.warn("{}: not answering; {}", primary.address(), refused.getMessage());
            return false;
        }
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        metrics.failedOver(took);
        events.record(primary, at, EventTable.Kind.FAILED_OVER, "primary lost by its replicas; "
                + outcome.newPrimary().address() + " promoted at " + outcome.applied() + " in " + took.toMillis()
                + " ms");
        return true;
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
     * (an old primary a failover replaced): makes it follow the shard's primary, or leaves it
     * read-only and detached when it holds transactions the primary lacks. Runs under the lock.
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
        Instant at = events.now();
        try {
            Optional<String> errant = failover.rejoin(instance);
            if (errant.isPresent()) {
                events.record(instance, at, EventTable.Kind.REJOIN_REFUSED, "holds transactions the primary lacks ("
                        + errant.get() + "): left read-only and detached, its data kept; reseed it (delete_node,"
                        + " then add_nodes)");
            } else {
                events.record(instance, at, EventTable.Kind.REJOINED, "replicates from the shard's primary again");
            }
        } catch (ManagerException e) {
            events.record(instance, at, EventTable.Kind.REJOIN_REFUSED, "could not rejoin: " + e.getMessage());
        }
    }
}
