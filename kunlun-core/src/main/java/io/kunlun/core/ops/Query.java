package io.kunlun.core.ops;

import io.kunlun.model.job.JobRequest;
import io.kunlun.model.job.JobType;

import java.util.Map;

/** A synchronous job type: answered inline, in the API's reply shape. */
public interface Query<R extends JobRequest> {
    JobType type();

    Map<String, Object> answer(R request);

    /** Whether the answer holds passwords, which only callers that may read secrets get. */
    default boolean revealsSecrets() {
        return false;
    }

    /**
     * Whether the answer is read from the metadata store alone (no command on a machine): such a
     * query holds one store connection for its whole answer instead of borrowing one per read.
     */
    default boolean readsMetadataOnly() {
        return false;
    }
}
