package io.kunlun.core.ops.topology;

import io.kunlun.core.ops.clusters.ClusterBuilder;
import io.kunlun.core.ops.Drivers;
import io.kunlun.core.ops.instances.InstanceRemoval;
import io.kunlun.core.ops.Operation;
import io.kunlun.core.ops.Parallel;
import io.kunlun.core.ops.PlanDescription;
import io.kunlun.core.ops.monitoring.UpdatePrometheus;

import io.kunlun.core.backup.binlog.BinlogArchiving;
import io.kunlun.core.hosts.Hosts;
import io.kunlun.core.jobs.JobContext;
import io.kunlun.core.meta.MetadataStore;
import io.kunlun.model.Instance;
import io.kunlun.model.InstanceKind;
import io.kunlun.model.job.JobRequest;
import io.kunlun.model.job.JobType;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * delete_shard: unlinks the shard from every comp (dropping the comps' foreign tables on it), lets
 * the machines that only its nodes are on out of the other instances
 * ({@link NetworkGrants#revokeDeparting}), then stops and removes its instances with their
 * directories and forgets it. The cluster's last
 * shard is refused. A failure leaves the shard registered with the instances not yet removed, so
 * running the job again finishes it; a job cut off by a manager restart does so when the manager
 * starts again, and one that had forgotten the shard already only unlinks it again.
 */
public final class DeleteShard implements Operation<JobRequest.DeleteShard, DeleteShard.Plan> {
    /** The shard's nodes, the comps it is linked to, and the account their links are mapped for. */
    public record Plan(List<Instance> nodes, List<Instance> comps, String adminUser) {
    }

    private final MetadataStore store;
    private final Drivers drivers;
    private final NetworkGrants grants;
    private final InstanceRemoval removal;
    private final BinlogArchiving archiving;

    public DeleteShard(MetadataStore store, Hosts hosts, Drivers drivers, UpdatePrometheus prometheus,
                       BinlogArchiving archiving) {
        this.archiving = archiving;
        this.store = store;
        this.drivers = drivers;
        this.grants = new NetworkGrants(drivers);
        this.removal = new InstanceRemoval(store, hosts, drivers, prometheus);
    }

    @Override
    public JobType type() {
        return JobType.DELETE_SHARD;
    }

    @Override
    public String lockKey(JobRequest.DeleteShard request) {
        return "cluster:" + request.name();
    }

    /** What a removal destroyed cannot come back: a job cut off by a restart finishes. */
    @Override
    public boolean resumesAfterRestart() {
        return true;
    }

    @Override
    public Plan check(JobRequest.DeleteShard request, JobContext context) {
        String cluster = store.clusters().requireCluster(request.name()).name();
        List<String> shards = store.clusters().shards(cluster);
        boolean forgotten = context.resumed() && !shards.contains(request.shardName());
        if (!forgotten) {
            InstanceRemoval.checkRemovable(cluster, "shard", shards, request.shardName());
        }
        List<Instance> instances = store.clusters().instances(cluster);
        List<Instance> nodes = instances.stream()
                .filter(instance -> instance.shardName().orElse("").equals(request.shardName())).toList();
        grants.requireRevocable(store.clusters(), cluster, nodes);
        return new Plan(nodes, instances.stream().filter(instance -> instance.kind() == InstanceKind.COMP).toList(),
                store.clusters().credentials(cluster).get("admin").user());
    }

    @Override
    public Map<String, Object> describe(Plan plan) {
        Map<String, Object> described = new java.util.LinkedHashMap<>(PlanDescription.removing(plan.nodes()));
        described.put("unlinked_comps", plan.comps().stream().map(comp -> comp.compName().orElse("")).toList());
        return described;
    }

    @Override
    public String run(JobRequest.DeleteShard request, Plan plan, JobContext context) {
        String shard = request.shardName();
        int total = plan.comps().size() + plan.nodes().size() + 1;
        AtomicInteger done = new AtomicInteger();
        context.step("unlinking " + shard + " from " + plan.comps().size() + " comps", 0, total);
        Parallel.run(plan.comps().stream().<Runnable>map(comp -> () -> {
            ClusterBuilder.naming(comp.compName().orElseThrow() + " ",
                    () -> ClusterBuilder.shardLinks(drivers, comp, plan.adminUser()).remove(shard));
            context.step("unlinked " + shard + " from " + comp.compName().orElseThrow(), done.incrementAndGet(), total);
        }).toList());
        context.step("removing " + plan.nodes().size() + " instances of " + shard, done.get(), total);
        grants.revokeDeparting(store.clusters(), request.name(), plan.nodes());
        removal.removeAll("shard " + shard, plan.nodes(),
                instance -> context.step("removed " + instance.address(), done.incrementAndGet(), total));
        store.clusters().deleteShard(request.name(), shard);
        archiving.stop(request.name(), shard);
        context.step("done", total, total);
        return shard;
    }
}
