package io.kunlun.core.ops.topology;

import io.kunlun.core.ops.Drivers;
import io.kunlun.core.ops.instances.InstanceRemoval;
import io.kunlun.core.ops.Operation;
import io.kunlun.core.ops.PlanDescription;
import io.kunlun.core.ops.monitoring.UpdatePrometheus;

import io.kunlun.core.hosts.Hosts;
import io.kunlun.core.jobs.JobContext;
import io.kunlun.core.meta.MetadataStore;
import io.kunlun.model.Instance;
import io.kunlun.model.job.JobRequest;
import io.kunlun.model.job.JobType;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * delete_comp: stops and removes one comp with its directory and forgets it; the cluster's last
 * comp is refused. The comp's machine, if no other instance of the cluster is there, is let out of
 * the others first ({@link NetworkGrants#revokeDeparting}). A failure leaves the comp registered,
 * so running the job again finishes it; a job cut off by a manager restart does so when the
 * manager starts again, and one that had forgotten the comp already has nothing left to do.
 */
public final class DeleteComp implements Operation<JobRequest.DeleteComp, Optional<Instance>> {
    private final MetadataStore store;
    private final NetworkGrants grants;
    private final InstanceRemoval removal;

    public DeleteComp(MetadataStore store, Hosts hosts, Drivers drivers, UpdatePrometheus prometheus) {
        this.store = store;
        this.grants = new NetworkGrants(drivers);
        this.removal = new InstanceRemoval(store, hosts, drivers, prometheus);
    }

    @Override
    public JobType type() {
        return JobType.DELETE_COMP;
    }

    @Override
    public String lockKey(JobRequest.DeleteComp request) {
        return "cluster:" + request.name();
    }

    /** What a removal destroyed cannot come back: a job cut off by a restart finishes. */
    @Override
    public boolean resumesAfterRestart() {
        return true;
    }

    /** The comp to remove: none when a resumed job had forgotten it already. */
    @Override
    public Optional<Instance> check(JobRequest.DeleteComp request, JobContext context) {
        String cluster = store.clusters().requireCluster(request.name()).name();
        List<Instance> comps = store.clusters().instances(cluster).stream()
                .filter(instance -> instance.compName().isPresent()).toList();
        Optional<Instance> named = comps.stream()
                .filter(comp -> comp.compName().orElseThrow().equals(request.compName())).findFirst();
        boolean forgotten = context.resumed() && named.isEmpty();
        if (!forgotten) {
            InstanceRemoval.checkRemovable(cluster, "comp",
                    comps.stream().map(Instance::compName).flatMap(Optional::stream).toList(), request.compName());
        }
        named.ifPresent(comp -> grants.requireRevocable(store.clusters(), cluster, List.of(comp)));
        return named;
    }

    @Override
    public Map<String, Object> describe(Optional<Instance> comp) {
        return PlanDescription.removing(comp.stream().toList());
    }

    @Override
    public String run(JobRequest.DeleteComp request, Optional<Instance> comp, JobContext context) {
        comp.ifPresent(instance -> {
            context.step("removing " + request.compName() + " at " + instance.address(), 0, 1);
            grants.revokeDeparting(store.clusters(), request.name(), List.of(instance));
            removal.removeAll(request.compName(), List.of(instance), removed -> { });
        });
        context.step("removed", 1, 1);
        return request.compName();
    }
}
