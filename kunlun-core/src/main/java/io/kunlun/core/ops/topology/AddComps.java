package io.kunlun.core.ops.topology;

import io.kunlun.core.ops.Drivers;
import io.kunlun.core.ops.Names;
import io.kunlun.core.ops.Operation;
import io.kunlun.core.ops.PlanDescription;

import io.kunlun.core.hosts.Hosts;
import io.kunlun.core.jobs.JobContext;
import io.kunlun.core.meta.MetadataStore;
import io.kunlun.model.Cluster;
import io.kunlun.model.Instance;
import io.kunlun.model.job.JobRequest;
import io.kunlun.model.job.JobType;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * add_comps: new comps, named on from the cluster's highest comp number, each linked from the
 * start to every shard's current primary. A failure takes the new comps back.
 */
public final class AddComps implements Operation<JobRequest.AddComps, ClusterGrowth.Plan> {
    private final MetadataStore store;
    private final ClusterGrowth growth;

    public AddComps(MetadataStore store, Hosts hosts, Drivers drivers) {
        this.store = store;
        this.growth = new ClusterGrowth(store, hosts, drivers);
    }

    @Override
    public JobType type() {
        return JobType.ADD_COMPS;
    }

    @Override
    public String lockKey(JobRequest.AddComps request) {
        return "cluster:" + request.name();
    }

    @Override
    public ClusterGrowth.Plan check(JobRequest.AddComps request, JobContext context) {
        Cluster cluster = store.clusters().requireCluster(request.name());
        List<String> existing = store.clusters().instances(cluster.name()).stream()
                .map(Instance::compName).flatMap(Optional::stream).toList();
        List<String> names = Names.next("comp", existing, request.comps());
        return growth.plan(cluster, List.of(), names, request.machineList(), context);
    }

    @Override
    public Map<String, Object> describe(ClusterGrowth.Plan plan) {
        return PlanDescription.adding(plan.build().clusterName(), plan.build().all());
    }

    @Override
    public String run(JobRequest.AddComps request, ClusterGrowth.Plan plan, JobContext context) {
        growth.run(plan, context);
        return growth.complete(plan, String.join(";",
                plan.build().comps().stream().map(comp -> comp.compName().orElseThrow()).toList()), context);
    }
}
