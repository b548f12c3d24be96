package io.kunlun.core.ops.machines;

import io.kunlun.core.ops.Drivers;
import io.kunlun.core.ops.Operation;
import io.kunlun.core.ops.PlanDescription;

import io.kunlun.core.ManagerException;
import io.kunlun.core.hosts.Hosts;
import io.kunlun.core.jobs.JobContext;
import io.kunlun.core.meta.MetadataStore;
import io.kunlun.model.Instance;
import io.kunlun.model.PathSpace;
import io.kunlun.model.job.JobRequest;
import io.kunlun.model.job.JobType;

import java.util.List;
import java.util.Map;

/** update_machine: replaces a registered machine's description after checking its paths. */
public final class UpdateMachine implements Operation<JobRequest.UpdateMachine, List<PathSpace>> {
    private final MetadataStore store;
    private final Hosts hosts;

    public UpdateMachine(MetadataStore store, Hosts hosts) {
        this.store = store;
        this.hosts = hosts;
    }

    @Override
    public JobType type() {
        return JobType.UPDATE_MACHINE;
    }

    @Override
    public String lockKey(JobRequest.UpdateMachine request) {
        return "machine:" + request.machine().hostaddr();
    }

    @Override
    public List<PathSpace> check(JobRequest.UpdateMachine request, JobContext context) {
        String hostaddr = request.machine().hostaddr();
        if (store.machines().find(hostaddr).isEmpty()) {
            throw ManagerException.notFound("machine " + hostaddr + " is not registered");
        }
        // An instance's directories must stay under a registered root: its removal checks that.
        for (Instance instance : store.clusters().instancesOn(hostaddr)) {
            Drivers.outsideRoots(instance, request.machine()).ifPresent(misplaced -> {
                throw ManagerException.refused("machine " + hostaddr + " has instance " + instance.address()
                        + " of cluster " + instance.clusterName() + " in " + misplaced.directory()
                        + ", under a root this update drops");
            });
        }
        context.step("checking paths on " + hostaddr, 0, 2);
        return MachinePaths.inspect(hosts, request.machine());
    }

    @Override
    public Map<String, Object> describe(List<PathSpace> spaces) {
        return PlanDescription.paths(spaces);
    }

    @Override
    public String run(JobRequest.UpdateMachine request, List<PathSpace> spaces, JobContext context) {
        context.step("updating " + request.machine().hostaddr(), 1, 2);
        context.willDo(RestoreMachineRow.NAME, RestoreMachineRow.capture(store, request.machine().hostaddr()));
        String info = context.complete("update machine succeed", () -> {
            if (!store.machines().update(request.machine(), spaces)) {
                throw ManagerException.notFound("machine " + request.machine().hostaddr() + " is not registered");
            }
        });
        context.step("done", 2, 2);
        return info;
    }
}
