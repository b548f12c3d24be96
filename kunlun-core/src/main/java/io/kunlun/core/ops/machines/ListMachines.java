package io.kunlun.core.ops.machines;

import io.kunlun.core.ops.Query;

import io.kunlun.core.meta.MetadataStore;
import io.kunlun.model.Machine;
import io.kunlun.model.PathSpace;
import io.kunlun.model.job.JobRequest;
import io.kunlun.model.job.JobType;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * list_machines (extension): {@code {"machine0":{"hostaddr":..,"rack_id":..,...,"paths":[...]}}},
 * with the request's field names and the space recorded for each path.
 */
public final class ListMachines implements Query<JobRequest.ListMachines> {
    private final MetadataStore store;

    public ListMachines(MetadataStore store) {
        this.store = store;
    }

    @Override
    public JobType type() {
        return JobType.LIST_MACHINES;
    }

    @Override
    public Map<String, Object> answer(JobRequest.ListMachines request) {
        List<Machine> machines = store.machines().list();
        Map<String, Object> reply = new LinkedHashMap<>();
        for (int i = 0; i < machines.size(); i++) {
            Machine machine = machines.get(i);
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("hostaddr", machine.hostaddr());
            entry.put("rack_id", machine.rackId());
            entry.put("datadir", String.join(";", machine.datadir()));
            entry.put("logdir", String.join(";", machine.logdir()));
            entry.put("wal_log_dir", String.join(";", machine.walLogDir()));
            entry.put("comp_datadir", String.join(";", machine.compDatadir()));
            entry.put("total_mem", Integer.toString(machine.totalMemMb()));
            entry.put("total_cpu_cores", Integer.toString(machine.totalCpuCores()));
            entry.put("paths", store.machines().spaces(machine.hostaddr()).stream().map(ListMachines::space).toList());
            reply.put("machine" + i, entry);
        }
        return reply;
    }

    private static Map<String, Object> space(PathSpace space) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("path", space.path());
        entry.put("total_bytes", Long.toString(space.totalBytes()));
        entry.put("free_bytes", Long.toString(space.freeBytes()));
        entry.put("used_bytes", Long.toString(space.usedBytes()));
        return entry;
    }
}
