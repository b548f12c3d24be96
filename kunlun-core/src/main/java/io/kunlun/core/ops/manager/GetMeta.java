package io.kunlun.core.ops.manager;

import io.kunlun.core.ops.Query;

import io.kunlun.core.meta.MetadataStore;
import io.kunlun.model.MetaNode;
import io.kunlun.model.job.JobRequest;
import io.kunlun.model.job.JobType;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * get_meta: the metadata store's nodes, {@code {"meta0":{"ip":..,"port":..,"status":"online"},...}};
 * a member of a metadata group that is down is listed {@code offline}.
 */
public final class GetMeta implements Query<JobRequest.GetMeta> {
    private final MetadataStore store;

    public GetMeta(MetadataStore store) {
        this.store = store;
    }

    @Override
    public JobType type() {
        return JobType.GET_META;
    }

    @Override
    public Map<String, Object> answer(JobRequest.GetMeta request) {
        List<MetaNode> nodes = store.describe().nodes();
        Map<String, Object> reply = new LinkedHashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            Map<String, Object> node = new LinkedHashMap<>();
            node.put("ip", nodes.get(i).ip());
            node.put("port", Integer.toString(nodes.get(i).port()));
            node.put("status", nodes.get(i).status());
            reply.put("meta" + i, node);
        }
        return reply;
    }
}
