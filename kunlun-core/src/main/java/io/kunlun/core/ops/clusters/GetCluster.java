package io.kunlun.core.ops.clusters;

import io.kunlun.core.ops.Query;

import io.kunlun.core.meta.MetadataStore;
import io.kunlun.model.Cluster;
import io.kunlun.model.job.JobRequest;
import io.kunlun.model.job.JobType;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** get_cluster: {@code {"cluster0":{"name":..,"shards":"2","comps":"1","ha_mode":..},...}}. */
public final class GetCluster implements Query<JobRequest.GetCluster> {
    private final MetadataStore store;

    public GetCluster(MetadataStore store) {
        this.store = store;
    }

    @Override
    public JobType type() {
        return JobType.GET_CLUSTER;
    }

    @Override
    public Map<String, Object> answer(JobRequest.GetCluster request) {
        List<Cluster> clusters = store.clusters().listClusters();
        Map<String, Object> reply = new LinkedHashMap<>();
        for (int i = 0; i < clusters.size(); i++) {
            Cluster cluster = clusters.get(i);
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("name", cluster.name());
            entry.put("shards", Integer.toString(cluster.shards()));
            entry.put("comps", Integer.toString(cluster.comps()));
            entry.put("ha_mode", cluster.spec().haMode().wireName());
            entry.put("nodes", Integer.toString(cluster.spec().nodes()));
            reply.put("cluster" + i, entry);
        }
        return reply;
    }
}
