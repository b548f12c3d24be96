package io.kunlun.core.ops.clusters;

import io.kunlun.core.ops.Drivers;
import io.kunlun.core.ops.instances.InstancePlanning;
import io.kunlun.core.ops.Names;
import io.kunlun.core.ops.Operation;
import io.kunlun.core.ops.PlanDescription;
import io.kunlun.core.ops.backup.StopArchiving;

import io.kunlun.core.ManagerException;
import io.kunlun.core.backup.binlog.BinlogArchiving;
import io.kunlun.core.hosts.Hosts;
import io.kunlun.core.jobs.JobContext;
import io.kunlun.core.meta.ClusterTable;
import io.kunlun.core.meta.MetadataStore;
import io.kunlun.model.job.JobRequest;
import io.kunlun.model.job.JobType;

import java.util.List;
import java.util.Map;

/**
 * create_cluster: places every shard replica and comp, then installs them, replicates the
 * shards per ha_mode and wires the comps to every shard. The cluster's name is fixed when the job
 * is accepted (the request's cluster_name, or a generated one) and is its lock key.
 */
public final class CreateCluster implements Operation<JobRequest.CreateCluster, CreateCluster.Plan> {
    private static final String LOCK_PREFIX = "cluster:";

    /** The build, and the cluster's accounts, generated in check and recorded in run. */
    public record Plan(BuildPlan build, List<ClusterTable.Credential> credentials) {
    }

    private final MetadataStore store;
    private final Hosts hosts;
    private final Drivers drivers;
    private final BinlogArchiving archiving;

    public CreateCluster(MetadataStore store, Hosts hosts, Drivers drivers, BinlogArchiving archiving) {
        this.store = store;
        this.hosts = hosts;
        this.drivers = drivers;
        this.archiving = archiving;
    }

    @Override
    public JobType type() {
        return JobType.CREATE_CLUSTER;
    }

    @Override
    public String lockKey(JobRequest.CreateCluster request) {
        return LOCK_PREFIX + request.requestedName().orElseGet(Names::newClusterName);
    }

    @Override
    public Plan check(JobRequest.CreateCluster request, JobContext context) {
        String name = context.lockKey().substring(LOCK_PREFIX.length());
        if (store.clusters().findCluster(name).isPresent()) {
            throw ManagerException.conflict("cluster " + name + " already exists");
        }
        context.step("planning " + name, 0, 1);
        BuildPlan build = new InstancePlanning(store, hosts, drivers).plan(name, request.spec(),
                Names.next("shard", List.of(), request.shards()), Names.next("comp", List.of(), request.comps()),
                request.machineList());
        return new Plan(build, ClusterAccounts.newCredentials());
    }

    @Override
    public Map<String, Object> describe(Plan plan) {
        return PlanDescription.adding(plan.build().clusterName(), plan.build().all());
    }

    @Override
    public String run(JobRequest.CreateCluster request, Plan plan, JobContext context) {
        BuildPlan build = plan.build();
        int total = 1 + ClusterBuilder.steps(build);
        context.step("registering " + build.clusterName(), 0, total);
        context.willDo(DeleteClusterRows.NAME, build.clusterName());
        store.clusters().insertCluster(build.clusterName(), request.spec(), context.jobId(), plan.credentials());
        build.shards().forEach(shard -> store.clusters().insertShard(build.clusterName(), shard.name()));
        ClusterBuilder builder = new ClusterBuilder(store, drivers);
        builder.build(build, List.of(), ClusterAccounts.users(plan.credentials(), build.all()), context, 1, total);
        List<String> shards = build.shards().stream().map(BuildPlan.Shard::name).toList();
        StopArchiving.prepareArchiving(archiving, build.clusterName(), shards, context);
        String info = builder.complete(build, build.clusterName(), context, total);
        StopArchiving.startArchivers(archiving, build.clusterName(), shards);
        return info;
    }
}
