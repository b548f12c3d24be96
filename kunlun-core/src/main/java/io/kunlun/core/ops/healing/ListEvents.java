package io.kunlun.core.ops.healing;

import io.kunlun.core.ops.Query;

import io.kunlun.core.ClusterManager;
import io.kunlun.core.meta.EventTable;
import io.kunlun.core.meta.MetadataStore;
import io.kunlun.model.job.JobRequest;
import io.kunlun.model.job.JobType;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * list_events (extension): what the manager did on its own, newest first,
 * {@code {"events":[{"time":..,"cluster":..,"instance":"ip:port","kind":..,"detail":..}]}}; kind
 * is restarted, restart_failed or gave_up. A deleted cluster's events are listed too.
 */
public final class ListEvents implements Query<JobRequest.ListEvents> {
    private final MetadataStore store;

    public ListEvents(MetadataStore store) {
        this.store = store;
    }

    @Override
    public JobType type() {
        return JobType.LIST_EVENTS;
    }

    @Override
    public Map<String, Object> answer(JobRequest.ListEvents request) {
        List<Map<String, Object>> listed = store.events().newest(request.clusterName(), request.limit()).stream()
                .map(ListEvents::entry).toList();
        return Map.of("events", listed);
    }

    private static Map<String, Object> entry(EventTable.Event event) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("time", ClusterManager.WIRE_TIME.format(event.time()));
        entry.put("cluster", event.clusterName());
        entry.put("instance", event.instance());
        entry.put("kind", event.kind().wireName());
        entry.put("detail", event.detail());
        return entry;
    }
}
