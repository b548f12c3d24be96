package io.kunlun.model.job;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Optional;

/**
 * One request as the manager receives it: the job's id and requester, the typed request, and the
 * body in canonical form: only the fields the request's type knows, sorted by name (stored with
 * the job, and compared to tell a re-submission of the same job from a different one). A dry run
 * ({@code "dry_run":"1"}, extension) asks for the job's check and plan only: no job is accepted.
 */
public record Submission(Optional<String> jobId, String userName, JobRequest request, JsonNode canonicalBody,
                         boolean dryRun) {
    public JobType type() {
        return request.type();
    }
}
