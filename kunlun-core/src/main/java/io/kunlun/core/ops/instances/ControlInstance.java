package io.kunlun.core.ops.instances;

import io.kunlun.core.ops.Drivers;
import io.kunlun.core.ops.Operation;
import io.kunlun.core.ops.PlanDescription;

import io.kunlun.core.engines.GroupRestart;
import io.kunlun.core.engines.StartOutcome;
import io.kunlun.core.jobs.JobContext;
import io.kunlun.core.meta.MetadataStore;
import io.kunlun.model.HaMode;
import io.kunlun.model.Instance;
import io.kunlun.model.InstanceKind;
import io.kunlun.model.InstanceStatus;
import io.kunlun.model.Role;
import io.kunlun.model.job.JobRequest;
import io.kunlun.model.job.JobType;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * control_instance: stops, starts or restarts one instance's server, keeping its data, and
 * records the outcome in its status: STOPPED after a stop (on purpose: the health monitor leaves
 * it alone), ACTIVE after a start. Queues on the instance's cluster, behind the cluster's other
 * jobs. A Galera member is started only once it is synced with its group; when its whole group is
 * down, the member with the most recent data starts the group again (see
 * {@link #startGroupMember}). Nothing is undone: a stop
 * or start that fails half-way leaves the server as it is, and the status it had, for the health
 * monitor to tell.
 */
public final class ControlInstance implements Operation<JobRequest.ControlInstance, Instance> {
    private final MetadataStore store;
    private final Drivers drivers;

    public ControlInstance(MetadataStore store, Drivers drivers) {
        this.store = store;
        this.drivers = drivers;
    }

    @Override
    public JobType type() {
        return JobType.CONTROL_INSTANCE;
    }

    /** An unknown instance queues on its own address, and check fails it. */
    @Override
    public String lockKey(JobRequest.ControlInstance request) {
        return store.clusters().findInstance(request.instance().ip(), request.instance().port())
                .map(instance -> "cluster:" + instance.clusterName())
                .orElse("instance:" + request.instance());
    }

    @Override
    public Instance check(JobRequest.ControlInstance request, JobContext context) {
        return ManagedInstances.find(store, request.instance());
    }

    @Override
    public Map<String, Object> describe(Instance instance) {
        return Map.of("instance", PlanDescription.instance(instance));
    }

    @Override
    public String run(JobRequest.ControlInstance request, Instance instance, JobContext context) {
        return switch (request.control()) {
            case STOP -> {
                context.step("stopping " + instance.address(), 0, 1);
                stop(instance);
                yield "stop instance succeed";
            }
            case START -> {
                context.step("starting " + instance.address(), 0, 1);
                yield start(instance) == StartOutcome.ALREADY_RUNNING ? "already running" : "start instance succeed";
            }
            case RESTART -> {
                context.step("stopping " + instance.address(), 0, 2);
                stop(instance);
                context.step("starting " + instance.address(), 1, 2);
                start(instance);
                yield "restart instance succeed";
            }
        };
    }

    private void stop(Instance instance) {
        drivers.stop(instance);
        store.clusters().setStatus(instance.hostaddr(), instance.port(), InstanceStatus.STOPPED);
    }

    /**
     * Starts the instance on its data, a Galera member into its group, and records it active:
     * control_instance start, and the keepalive's restart of an instance found dead. An rbr node
     * starts read-only, whatever its role; the one the metadata records as its shard's primary is
     * opened to writes once it answers.
     */
    public StartOutcome start(Instance instance) {
        Optional<HaMode> haMode = instance.kind() == InstanceKind.STORAGE
                ? store.clusters().findCluster(instance.clusterName()).map(cluster -> cluster.spec().haMode())
                : Optional.empty();
        StartOutcome outcome = haMode.orElse(null) == HaMode.MGR ? startGroupMember(instance) : drivers.start(instance);
        if (haMode.orElse(null) == HaMode.RBR && instance.role().orElse(null) == Role.PRIMARY) {
            drivers.storage(instance.hostaddr()).setReadOnly(drivers.storageNode(instance), false);
        }
        store.clusters().setStatus(instance.hostaddr(), instance.port(), InstanceStatus.ACTIVE);
        return outcome;
    }

    /** A member joins its group, or starts it again when it has the most recent data (see {@link GroupRestart}). */
    private StartOutcome startGroupMember(Instance instance) {
        List<GroupRestart.Member> members = store.clusters().instances(instance.clusterName()).stream()
                .filter(other -> other.kind() == InstanceKind.STORAGE && other.shardName().equals(instance.shardName()))
                .map(this::groupMember)
                .toList();
        return GroupRestart.start(instance.shardName().orElseThrow(), groupMember(instance), members);
    }

    private GroupRestart.Member groupMember(Instance instance) {
        return new GroupRestart.Member(drivers.storage(instance.hostaddr()), drivers.storageNode(instance));
    }
}
