package io.kunlun.core.monitor;

import io.kunlun.core.config.HealingConfig;
import io.kunlun.core.engines.GroupRestart;
import io.kunlun.core.meta.EventTable;
import io.kunlun.core.meta.MetadataStore;
import io.kunlun.core.ops.instances.ControlInstance;
import io.kunlun.core.ops.Drivers;
import io.kunlun.model.Cluster;
import io.kunlun.model.Instance;
import io.kunlun.model.InstanceStatus;
import io.kunlun.model.job.JobType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.Optional;

/**
 * Starts again an instance that the health monitor found not running in two rounds in a row
 * although nobody stopped it, through control_instance's own start (so an rbr replica comes
 * back replicating, read-only, from the replication its data directory keeps; a primary that
 * {@link AutoFailover} did not replace comes back the primary). At most {@code max_restarts} in the window;
 * the next death marks the instance failed, and it is left alone until control_instance start.
 * Every restart, failed restart and give-up is an auto_restart job and an event
 * ({@link HealingEvents}) and a metric. An old
 * rbr primary restarted after a failover is then rejoined ({@link AutoFailover#rejoinIfDetached}).
 *
 * <p>A restart holds its cluster's job lock, and happens only when no job of the cluster is
 * queued or running: a job may be stopping, replacing or deleting the instance, and whatever it
 * leaves is looked at again by the next round. Under the lock the instance is read again: one
 * stopped on purpose (STOPPED), being made (CREATING), given up (FAILED), deleted, or running
 * again meanwhile is left alone. A Galera member's start is control_instance's too: it joins its
 * group when a member runs in it; when the whole group is down, only the member with the most
 * recent data may start (a new group on its data) and the others' starts are refused, naming it
 * (recorded restart_deferred, which the restart limit does not count, and tried again next round,
 * by when it runs and they join it). A member whose group stops while it joins is killed and
 * recorded restart_deferred too: its next start is one of a group that is down.
 */
final class Keepalive {
    private static final Logger LOG = LoggerFactory.getLogger(Keepalive.class);

    private final MetadataStore store;
    private final Drivers drivers;
    private final ControlInstance control;
    private final ClusterLock lock;
    private final HealingConfig config;
    private final ManagerMetrics metrics;
    private final HealingEvents events;
    private final AutoFailover failover;

    Keepalive(MetadataStore store, Drivers drivers, ControlInstance control, ClusterLock lock, HealingConfig config,
              ManagerMetrics metrics, HealingEvents events, AutoFailover failover) {
        this.store = store;
        this.drivers = drivers;
        this.control = control;
        this.lock = lock;
        this.config = config;
        this.metrics = metrics;
        this.events = events;
        this.failover = failover;
    }

    /**
     * Called by the monitor with an instance whose server it found not running, and that an
     * earlier round already recorded unreachable.
     */
    void instanceDown(Cluster cluster, Instance instance) {
        if (!config.keepalive()) {
            return;
        }
        if (!lock.runIfIdle(instance, () -> restartUnderLock(instance))) {
            LOG.info("{}: not running; a job of cluster {} is under way: looked at again next round",
                    instance.address(), cluster.name());
        }
    }

    private void restartUnderLock(Instance seen) {
        Optional<Instance> found = store.clusters().findInstance(seen.hostaddr(), seen.port())
                .filter(now -> now.clusterName().equals(seen.clusterName()))
                .filter(now -> now.status() == InstanceStatus.UNREACHABLE);
        if (found.isEmpty() || drivers.isRunning(found.get())) {
            return;
        }
        Instance instance = found.get();
        boolean started;
        try (HealingEvents.Action action = events.action(JobType.AUTO_RESTART, instance, 1)) {
            started = restart(instance, action);
        }
        if (started) {
            failover.rejoinIfDetached(instance);
        }
    }

    /** Answers whether the instance runs again. */
    private boolean restart(Instance instance, HealingEvents.Action action) {
        Instant now = events.now();
        int restarts = store.events().restartsSince(instance.clusterName(), instance.hostaddr(), instance.port(),
                now.minus(config.window()));
        if (restarts >= config.maxRestarts()) {
            action.step("giving " + instance.address() + " up: marking it failed");
            store.clusters().setStatus(instance.hostaddr(), instance.port(), InstanceStatus.FAILED);
            action.failed(EventTable.Kind.GAVE_UP, "not running again after " + restarts
                    + (restarts == 1 ? " restart" : " restarts") + " within " + config.windowSeconds()
                    + " s: marked failed, left alone until control_instance start");
            metrics.instanceGivenUp(instance.kind());
            return false;
        }
        String attempt = "restart " + (restarts + 1) + " of at most " + config.maxRestarts() + " within "
                + config.windowSeconds() + " s";
        action.step("starting " + instance.address() + " (" + attempt + ")");
        try {
            control.start(instance);
        } catch (GroupRestart.StartPostponed waiting) {
            // Not a failed restart: counted as one, a member losing the race to the one that starts
            // the group would be given up before it could join.
            action.failed(EventTable.Kind.RESTART_DEFERRED, "waits for its group: " + waiting.getMessage());
            return false;
        } catch (RuntimeException e) {
            action.failed(EventTable.Kind.RESTART_FAILED, attempt + " failed: " + e.getMessage());
            metrics.instanceRestarted(instance.kind(), false);
            return false;
        }
        action.succeeded(EventTable.Kind.RESTARTED, "found not running; started again (" + attempt + ")");
        metrics.instanceRestarted(instance.kind(), true);
        return true;
    }
}
