package io.kunlun.core.ops.clusters;

import io.kunlun.core.ops.Query;

import io.kunlun.model.InstanceKind;
import io.kunlun.model.job.JobRequest;
import io.kunlun.model.job.JobType;

import java.util.Map;

/** get_computer: a cluster's comps with their name and status. */
public final class GetComputer implements Query<JobRequest.GetComputer> {
    private final InstanceListing listing;

    GetComputer(InstanceListing listing) {
        this.listing = listing;
    }

    @Override
    public JobType type() {
        return JobType.GET_COMPUTER;
    }

    @Override
    public Map<String, Object> answer(JobRequest.GetComputer request) {
        return listing.list(request.name(), InstanceKind.COMP, "computer",
                (instance, entry) -> entry.put("name", instance.compName().orElse("")));
    }
}
