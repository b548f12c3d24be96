package io.kunlun.model.job;

import java.time.Instant;
import java.util.Optional;

/** What get_status reports about one job. */
public record JobStatus(
        String jobId,
        JobType jobType,
        String userName,
        JobState state,
        String info,
        String step,
        int stepsDone,
        int stepsTotal,
        Instant submittedAt,
        Optional<Instant> startedAt,
        Optional<Instant> endedAt) {

    /** "3/9" once the job knows how many steps it has, empty before. */
    public Optional<String> progress() {
        return stepsTotal > 0 ? Optional.of(stepsDone + "/" + stepsTotal) : Optional.empty();
    }
}
