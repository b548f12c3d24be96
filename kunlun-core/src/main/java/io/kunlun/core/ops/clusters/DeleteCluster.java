package io.kunlun.core.ops.clusters;

import io.kunlun.core.ops.Drivers;
import io.kunlun.core.ops.instances.InstanceRemoval;
import io.kunlun.core.ops.Operation;
import io.kunlun.core.ops.PlanDescription;
import io.kunlun.core.ops.monitoring.UpdatePrometheus;

import io.kunlun.core.ManagerException;
import io.kunlun.core.backup.binlog.BinlogArchiving;
import io.kunlun.core.hosts.Hosts;
import io.kunlun.core.jobs.JobContext;
import io.kunlun.core.meta.MetadataStore;
import io.kunlun.model.Instance;
import io.kunlun.model.job.JobRequest;
import io.kunlun.model.job.JobType;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * delete_cluster: stops and removes every instance with its directories and its exporter,
 * forgets each one as it goes, then checks on every machine that nothing is left (no process on
 * the ports, no directory) before it forgets the cluster, and takes the exporters out of the
 * Prometheus targets. A failure leaves the cluster registered with the instances not yet
 * removed, so running the job again finishes it; a job cut off by a manager restart does so when
 * the manager starts again, and one that had forgotten the cluster already has nothing left to do.
 */
public final class DeleteCluster implements Operation<JobRequest.DeleteCluster, List<Instance>> {
    private final MetadataStore store;
    private final Hosts hosts;
    private final Drivers drivers;
    private final UpdatePrometheus prometheus;
    private final BinlogArchiving archiving;

    public DeleteCluster(MetadataStore store, Hosts hosts, Drivers drivers, UpdatePrometheus prometheus,
                         BinlogArchiving archiving) {
        this.archiving = archiving;
        this.store = store;
        this.hosts = hosts;
        this.drivers = drivers;
        this.prometheus = prometheus;
    }

    @Override
    public JobType type() {
        return JobType.DELETE_CLUSTER;
    }

    @Override
    public String lockKey(JobRequest.DeleteCluster request) {
        return "cluster:" + request.name();
    }

    /** What a removal destroyed cannot come back: a job cut off by a restart finishes. */
    @Override
    public boolean resumesAfterRestart() {
        return true;
    }

    /** The instances to remove: none when a resumed job had forgotten the cluster already. */
    @Override
    public List<Instance> check(JobRequest.DeleteCluster request, JobContext context) {
        if (store.clusters().findCluster(request.name()).isEmpty()) {
            if (context.resumed()) {
                return List.of();
            }
            throw ManagerException.notFound("no cluster named " + request.name());
        }
        return store.clusters().instances(request.name());
    }

    @Override
    public Map<String, Object> describe(List<Instance> instances) {
        return PlanDescription.removing(instances);
    }

    @Override
    public String run(JobRequest.DeleteCluster request, List<Instance> instances, JobContext context) {
        int total = instances.size() + 1;
        AtomicInteger done = new AtomicInteger();
        context.step("removing " + instances.size() + " instances", 0, total);
        new InstanceRemoval(store, hosts, drivers, prometheus).removeAll("cluster " + request.name(), instances,
                instance -> context.step("removed " + instance.address(), done.incrementAndGet(), total));
        drivers.osAccounts().releaseAllOf(request.name());
        store.clusters().deleteCluster(request.name());
        archiving.stopAll(request.name());
        context.step("done", total, total);
        return request.name();
    }
}
