package io.kunlun.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kunlun.model.job.JobType;
import io.kunlun.model.job.WireFormat;

/**
 * A command that is one API request: its job_type and fields, with the API's names. A query
 * (get_meta, list_jobs...) is a subclass naming its type and filling in its fields.
 */
abstract class RequestCommand extends ManagerCommand {
    protected abstract JobType jobType();

    /** Adds the request's fields beyond job_type, named as in the API. */
    protected void fill(ObjectNode request) {
    }

    final ObjectNode request() {
        ObjectNode request = WireFormat.json().createObjectNode().put("job_type", jobType().wireName());
        fill(request);
        return request;
    }

    @Override
    protected ObjectNode exchange(ManagerConnection manager, JobWaiter waiter) {
        return manager.send(request());
    }
}
