package io.kunlun.core.ops.machines;

import io.kunlun.core.ops.Operation;
import io.kunlun.core.ops.PlanDescription;

import io.kunlun.core.ManagerException;
import io.kunlun.core.hosts.Hosts;
import io.kunlun.core.jobs.JobContext;
import io.kunlun.core.meta.MetadataStore;
import io.kunlun.model.PathSpace;
import io.kunlun.model.job.JobRequest;
import io.kunlun.model.job.JobType;

import java.util.List;
import java.util.Map;

/** create_machine: registers a machine after checking its paths on it. */
public final class CreateMachine implements Operation<JobRequest.CreateMachine, List<PathSpace>> {
    private final MetadataStore store;
    private final Hosts hosts;

    public CreateMachine(MetadataStore store, Hosts hosts) {
        this.store = store;
        this.hosts = hosts;
    }

    @Override
    public JobType type() {
        return JobType.CREATE_MACHINE;
    }

    @Override
    public String lockKey(JobRequest.CreateMachine request) {
        return "machine:" + request.machine().hostaddr();
    }

    @Override
    public List<PathSpace> check(JobRequest.CreateMachine request, JobContext context) {
        String hostaddr = request.machine().hostaddr();
        if (store.machines().find(hostaddr).isPresent()) {
            throw ManagerException.conflict("machine " + hostaddr + " is already registered");
        }
        context.step("checking paths on " + hostaddr, 0, 2);
        return MachinePaths.inspect(hosts, request.machine());
    }

    @Override
    public Map<String, Object> describe(List<PathSpace> spaces) {
        return PlanDescription.paths(spaces);
    }

    @Override
    public String run(JobRequest.CreateMachine request, List<PathSpace> spaces, JobContext context) {
        context.step("registering " + request.machine().hostaddr(), 1, 2);
        context.willDo(RestoreMachineRow.NAME, RestoreMachineRow.capture(store, request.machine().hostaddr()));
        String info = context.complete("create machine succeed", () -> {
            if (!store.machines().insert(request.machine(), spaces)) {
                throw ManagerException.conflict("machine " + request.machine().hostaddr() + " is already registered");
            }
        });
        context.step("done", 2, 2);
        return info;
    }
}
