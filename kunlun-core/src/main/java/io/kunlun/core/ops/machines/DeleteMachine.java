package io.kunlun.core.ops.machines;

import io.kunlun.core.ops.Operation;

import io.kunlun.core.ManagerException;
import io.kunlun.core.hosts.Hosts;
import io.kunlun.core.jobs.JobContext;
import io.kunlun.core.meta.MetadataStore;
import io.kunlun.model.job.JobRequest;
import io.kunlun.model.job.JobType;

/** delete_machine: forgets a machine that hosts no instance. */
public final class DeleteMachine implements Operation<JobRequest.DeleteMachine, Void> {
    private final MetadataStore store;
    private final Hosts hosts;

    public DeleteMachine(MetadataStore store, Hosts hosts) {
        this.store = store;
        this.hosts = hosts;
    }

    @Override
    public JobType type() {
        return JobType.DELETE_MACHINE;
    }

    @Override
    public String lockKey(JobRequest.DeleteMachine request) {
        return "machine:" + request.hostaddr();
    }

    @Override
    public Void check(JobRequest.DeleteMachine request, JobContext context) {
        if (store.machines().find(request.hostaddr()).isEmpty()) {
            throw ManagerException.notFound("machine " + request.hostaddr() + " is not registered");
        }
        return null;
    }

    @Override
    public String run(JobRequest.DeleteMachine request, Void plan, JobContext context) {
        context.step("deleting " + request.hostaddr(), 0, 1);
        context.willDo(RestoreMachineRow.NAME, RestoreMachineRow.capture(store, request.hostaddr()));
        String info = context.complete("delete machine succeed", () -> {
            switch (store.machines().delete(request.hostaddr())) {
                case UNKNOWN -> throw ManagerException.notFound("machine " + request.hostaddr() + " is not registered");
                case HOSTS_INSTANCES -> throw ManagerException.refused("machine " + request.hostaddr()
                        + " still hosts instances; delete their clusters first");
                case DELETED -> { }
            }
        });
        // The machine's cached access is closed once it is gone: an open one would serve no one.
        hosts.forget(request.hostaddr());
        context.step("done", 1, 1);
        return info;
    }
}
