package io.kunlun.core.ops.manager;

import io.kunlun.core.ops.Query;

import io.kunlun.core.ClusterManager;
import io.kunlun.core.meta.ManagerLease;
import io.kunlun.core.meta.MetadataStore;
import io.kunlun.model.job.JobRequest;
import io.kunlun.model.job.JobType;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * list_managers (extension): every manager on the metadata store, the leader first,
 * {@code {"managers":[{"address":"host:port","role":"leader","last_heartbeat":..,"fencing":"3",
 * "host":..,"pid":..}]}}. fencing is the number of the manager's latest term as leader (0: it never
 * led). Read from the store, so every manager answers the same.
 */
public final class ListManagers implements Query<JobRequest.ListManagers> {
    private final MetadataStore store;

    public ListManagers(MetadataStore store) {
        this.store = store;
    }

    @Override
    public JobType type() {
        return JobType.LIST_MANAGERS;
    }

    @Override
    public Map<String, Object> answer(JobRequest.ListManagers request) {
        List<Map<String, Object>> listed = store.managers().stream().map(ListManagers::entry).toList();
        return Map.of("managers", listed);
    }

    private static Map<String, Object> entry(ManagerLease.Member member) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("address", member.address());
        entry.put("role", member.leader() ? "leader" : "follower");
        entry.put("last_heartbeat", ClusterManager.WIRE_TIME.format(member.lastHeartbeat()));
        entry.put("fencing", Long.toString(member.fencing()));
        entry.put("host", member.host());
        entry.put("pid", Long.toString(member.pid()));
        return entry;
    }
}
