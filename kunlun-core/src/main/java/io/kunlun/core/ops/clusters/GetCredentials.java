package io.kunlun.core.ops.clusters;

import io.kunlun.core.ops.Query;

import io.kunlun.core.meta.ClusterTable;
import io.kunlun.core.meta.MetadataStore;
import io.kunlun.model.job.JobRequest;
import io.kunlun.model.job.JobType;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * get_credentials (extension): the cluster's application account and its password, what clients
 * log in to the comps and shards with. Answered only to callers that may read secrets.
 */
public final class GetCredentials implements Query<JobRequest.GetCredentials> {
    private final MetadataStore store;

    public GetCredentials(MetadataStore store) {
        this.store = store;
    }

    @Override
    public JobType type() {
        return JobType.GET_CREDENTIALS;
    }

    @Override
    public boolean revealsSecrets() {
        return true;
    }

    @Override
    public Map<String, Object> answer(JobRequest.GetCredentials request) {
        String cluster = store.clusters().requireCluster(request.name()).name();
        ClusterTable.Credential admin = store.clusters().credentials(cluster).get("admin");
        Map<String, Object> reply = new LinkedHashMap<>();
        reply.put("cluster_name", cluster);
        reply.put("user", admin.user());
        reply.put("pwd", admin.password());
        reply.put("database", ClusterBuilder.CLIENT_DATABASE);
        return reply;
    }
}
