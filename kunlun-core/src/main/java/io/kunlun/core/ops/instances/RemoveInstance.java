package io.kunlun.core.ops.instances;

import io.kunlun.core.ops.Drivers;

import io.kunlun.core.engines.InstanceMaker;
import io.kunlun.core.jobs.JobContext;
import io.kunlun.core.jobs.UndoAction;
import io.kunlun.core.meta.ClusterTable;
import io.kunlun.core.meta.MetadataStore;
import io.kunlun.model.Instance;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Optional;

/**
 * Undo of an instance's installation: stop it, delete its directories, forget its row and its
 * ports. Each part accepts that it never happened. It touches only what its own job made: nothing
 * at all unless that job holds the instance's ports (another job may have planned the same ports
 * and reserved them first), and no directory that the job did not create.
 */
public final class RemoveInstance implements UndoAction<RemoveInstance.Registered> {
    public static final String NAME = "remove-instance";
    private static final Logger LOG = LoggerFactory.getLogger(RemoveInstance.class);

    /** An instance a job is about to register and install. */
    public record Registered(String jobId, Instance instance) {
    }

    private final Drivers drivers;
    private final MetadataStore store;

    public RemoveInstance(Drivers drivers, MetadataStore store) {
        this.drivers = drivers;
        this.store = store;
    }

    /**
     * Registers a planned instance for the job: records its removal, reserves its ports (failing,
     * with nothing held, when another job reserved one first) and inserts its row.
     */
    public static void register(MetadataStore store, JobContext context, Instance instance) {
        context.willDo(NAME, new Registered(context.jobId(), instance));
        store.clusters().reservePorts(instance.hostaddr(), Drivers.ports(instance), instance.clusterName(),
                context.jobId());
        store.clusters().insertInstance(instance);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Class<Registered> payloadType() {
        return Registered.class;
    }

    @Override
    public void undo(Registered registered) {
        Instance instance = registered.instance();
        Optional<ClusterTable.PortHolder> holder = store.clusters().portHolder(instance.hostaddr(), instance.port());
        if (holder.isEmpty() || !holder.get().jobId().equals(registered.jobId())) {
            LOG.info("{}: not held by job {} ({}); nothing of it is the job's to remove", instance.address(),
                    registered.jobId(), holder.map(held -> "held by job " + held.jobId()).orElse("not held"));
            return;
        }
        InstanceMaker found = drivers.remove(instance, registered.jobId());
        if (found.foreignTo(registered.jobId())) {
            LOG.warn("{}: left {} alone: it is {}, not by job {}", instance.address(), instance.dataDir(),
                    found.describe(), registered.jobId());
        }
        store.clusters().deleteInstance(instance.hostaddr(), instance.port(), Drivers.ports(instance));
    }
}
