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
 * with the request's field names and the space recorded for each path, by hostaddr. At most
 * {@code limit} machines a reply (1000, also the default): a client pages through the rest with
 * {@code after}, the {@code next_after} of the reply before, which is absent from the last page.
 * Keys number the machines of one reply, from machine0 on each page.
 */
public final class ListMachines implements Query<JobRequest.ListMachines> {
    /** In a reply with more machines than it shows: the {@code after} of the next page. */
    static final String NEXT_PAGE = "next_after";
    private final MetadataStore store;

    public ListMachines(MetadataStore store) {
        this.store = store;
    }

    @Override
    public JobType type() {
        return JobType.LIST_MACHINES;
    }

    @Override
    public boolean readsMetadataOnly() {
        return true;
    }

    @Override
    public Map<String, Object> answer(JobRequest.ListMachines request) {
        // One machine more than the page shows tells whether a next page exists.
        List<Machine> found = store.machines().page(request.after(), request.limit() + 1);
        List<Machine> machines = found.subList(0, Math.min(found.size(), request.limit()));
        Map<String, Object> reply = new LinkedHashMap<>();
        if (machines.isEmpty()) {
            return reply;
        }
        Map<String, List<PathSpace>> spaces = store.machines().spaces(machines.get(0).hostaddr(),
                machines.get(machines.size() - 1).hostaddr());
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
            entry.put("paths", spaces.getOrDefault(machine.hostaddr(), List.of()).stream().map(ListMachines::space).toList());
            reply.put("machine" + i, entry);
        }
        if (found.size() > request.limit()) {
            reply.put(NEXT_PAGE, machines.get(machines.size() - 1).hostaddr());
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
