package io.kunlun.core.ops.clusters;

import io.kunlun.core.ops.Query;

import io.kunlun.model.InstanceKind;
import io.kunlun.model.Role;
import io.kunlun.model.job.JobRequest;
import io.kunlun.model.job.JobType;

import java.util.Map;

/** get_storage: a cluster's storage nodes with their shard, role and status. */
public final class GetStorage implements Query<JobRequest.GetStorage> {
    private final InstanceListing listing;

    GetStorage(InstanceListing listing) {
        this.listing = listing;
    }

    @Override
    public JobType type() {
        return JobType.GET_STORAGE;
    }

    @Override
    public Map<String, Object> answer(JobRequest.GetStorage request) {
        return listing.list(request.name(), InstanceKind.STORAGE, "storage", (instance, entry) -> {
            entry.put("shard", instance.shardName().orElse(""));
            entry.put("role", instance.role().map(Role::wireName).orElse(""));
        });
    }
}
