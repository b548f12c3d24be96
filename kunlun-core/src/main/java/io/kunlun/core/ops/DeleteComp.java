package io.kunlun.core.ops;

import io.kunlun.core.hosts.Hosts;
import io.kunlun.core.jobs.JobContext;
import io.kunlun.core.meta.MetadataStore;
import io.kunlun.model.Instance;
import io.kunlun.model.job.JobRequest;
import io.kunlun.model.job.JobType;

import java.util.List;
import java.util.Optional;

/**
 * delete_comp: stops and removes one comp with its directory and forgets it; the cluster's last
 * comp is refused. A failure leaves the comp registered, so running the job again finishes it.
 */
public final class DeleteComp implements Operation<JobRequest.DeleteComp, Instance> {
    private final MetadataStore store;
    private final InstanceRemoval removal;

    public DeleteComp(MetadataStore store, Hosts hosts, Drivers drivers) {
        this.store = store;
        this.removal = new InstanceRemoval(store, hosts, drivers);
    }

    @Override
    public JobType type() {
        return JobType.DELETE_COMP;
    }

    @Override
    public String lockKey(JobRequest.DeleteComp request) {
        return "cluster:" + request.name();
    }

    @Override
    public Instance check(JobRequest.DeleteComp request, JobContext context) {
        String cluster = store.clusters().requireCluster(request.name()).name();
        List<Instance> comps = store.clusters().instances(cluster).stream()
                .filter(instance -> instance.compName().isPresent()).toList();
        InstanceRemoval.checkRemovable(cluster, "comp",
                comps.stream().map(Instance::compName).flatMap(Optional::stream).toList(), request.compName());
        return comps.stream().filter(comp -> comp.compName().orElseThrow().equals(request.compName()))
                .findFirst().orElseThrow();
    }

    @Override
    public String run(JobRequest.DeleteComp request, Instance comp, JobContext context) {
        context.step("removing " + request.compName() + " at " + comp.address(), 0, 1);
        removal.removeAll(request.compName(), List.of(comp), removed -> context.step("removed", 1, 1));
        return request.compName();
    }
}
