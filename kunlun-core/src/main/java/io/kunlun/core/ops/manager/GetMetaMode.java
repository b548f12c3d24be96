package io.kunlun.core.ops.manager;

import io.kunlun.core.ops.Query;

import io.kunlun.core.meta.MetadataStore;
import io.kunlun.model.job.JobRequest;
import io.kunlun.model.job.JobType;

import java.util.Map;

/** get_meta_mode: how the metadata store replicates. */
public final class GetMetaMode implements Query<JobRequest.GetMetaMode> {
    private final MetadataStore store;

    public GetMetaMode(MetadataStore store) {
        this.store = store;
    }

    @Override
    public JobType type() {
        return JobType.GET_META_MODE;
    }

    @Override
    public Map<String, Object> answer(JobRequest.GetMetaMode request) {
        return Map.of("mode", store.describe().mode().wireName());
    }
}
