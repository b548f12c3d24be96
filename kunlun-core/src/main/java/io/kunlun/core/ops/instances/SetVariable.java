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
 * set_variable: changes a variable of a running instance and keeps it across the instance's
 * restarts (MariaDB: SET GLOBAL and my.cnf; PostgreSQL: ALTER SYSTEM and a reload). Answers
 * {@code true} only when the server shows the new value afterwards, else {@code false} with the
 * reason: the server's refusal, the value it shows instead, or that the setting needs a restart.
 */
public final class SetVariable implements Query<JobRequest.SetVariable> {
    private final MetadataStore store;
    private final Drivers drivers;

    public SetVariable(MetadataStore store, Drivers drivers) {
        this.store = store;
        this.drivers = drivers;
    }

    @Override
    public JobType type() {
        return JobType.SET_VARIABLE;
    }

    @Override
    public Map<String, Object> answer(JobRequest.SetVariable request) {
        Instance instance = ManagedInstances.find(store, request.instance());
        try {
            drivers.setVariable(instance, request.variable(), request.value(), request.integer());
        } catch (ManagerException e) {
            return WireFormat.reply("false", e.getMessage());
        }
        return WireFormat.reply("true", null);
    }
}
