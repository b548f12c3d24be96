package io.kunlun.core.ops.instances;

import io.kunlun.core.ops.Drivers;
import io.kunlun.core.ops.Query;

import io.kunlun.core.ManagerException;
import io.kunlun.core.meta.MetadataStore;
import io.kunlun.model.Instance;
import io.kunlun.model.job.JobRequest;
import io.kunlun.model.job.JobType;
import io.kunlun.model.job.WireFormat;

import java.util.Map;

/**
 * get_variable: a variable of any managed instance, storage or comp, as the running server shows
 * it. An instance the metadata does not have fails the request; a server that cannot answer
 * (unknown name, not running) answers {@code false} with its reason.
 */
public final class GetVariable implements Query<JobRequest.GetVariable> {
    private final MetadataStore store;
    private final Drivers drivers;

    public GetVariable(MetadataStore store, Drivers drivers) {
        this.store = store;
        this.drivers = drivers;
    }

    @Override
    public JobType type() {
        return JobType.GET_VARIABLE;
    }

    @Override
    public Map<String, Object> answer(JobRequest.GetVariable request) {
        Instance instance = ManagedInstances.find(store, request.instance());
        String value;
        try {
            value = drivers.variable(instance, request.variable());
        } catch (ManagerException e) {
            return WireFormat.reply("false", e.getMessage());
        }
        Map<String, Object> reply = WireFormat.reply("true", null);
        reply.put("value", value);
        return reply;
    }
}
