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
 * is restarted, restart_failed, restart_deferred, gave_up, failed_over, failover_refused, failover_failed, rejoined or rejoin_refused.
 * A deleted cluster's events are listed too. Each event is the outcome of a job of an automatic
 * type (auto_restart, auto_failover, auto_rejoin), whose info is the event's detail.
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
    public boolean readsMetadataOnly() {
        return true;
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
