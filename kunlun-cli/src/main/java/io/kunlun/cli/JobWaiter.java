package io.kunlun.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kunlun.model.job.JobType;
import io.kunlun.model.job.WireFormat;

import java.time.Duration;
import java.util.Optional;

/** Polls get_status until a job ends, showing its progress; the same for a remote and an embedded manager. */
final class JobWaiter {
    private static final Duration FIRST_POLL = Duration.ofMillis(50);
    // Short jobs end within the first few polls; long ones need no more than a look per second.
    private static final Duration SLOWEST_POLL = Duration.ofSeconds(1);

    private final ManagerConnection manager;
    private final ProgressLine progress;

    JobWaiter(ManagerConnection manager, ProgressLine progress) {
        this.manager = manager;
        this.progress = progress;
    }

    static ObjectNode statusRequest(String jobId) {
        return WireFormat.json().createObjectNode()
                .put("job_type", JobType.GET_STATUS.wireName())
                .put("job_id", jobId);
    }

    /**
     * Answers the job's final get_status reply (done or failed, including "no job with id"), or
     * fails once {@code timeout} has passed with the job still pending.
     */
    ObjectNode await(String jobId, Optional<Duration> timeout) {
        long started = System.nanoTime();
        Duration pause = FIRST_POLL;
        try {
            while (true) {
                ObjectNode status = manager.send(statusRequest(jobId));
                if (!Replies.isPending(status)) {
                    return status;
                }
                progress.show(Replies.progress(status));
                Duration waited = Duration.ofNanos(System.nanoTime() - started);
                if (timeout.isPresent() && waited.compareTo(timeout.get()) >= 0) {
                    throw new CliFailure("gave up waiting after " + DurationConverter.format(timeout.get())
                            + ": job " + jobId + " is still " + Replies.result(status)
                            + " (" + status.path("info").asText("") + ")");
                }
                Duration left = timeout.map(limit -> limit.minus(waited)).orElse(pause);
                sleep(left.compareTo(pause) < 0 ? left : pause);
                pause = pause.multipliedBy(2).compareTo(SLOWEST_POLL) > 0 ? SLOWEST_POLL : pause.multipliedBy(2);
            }
        } finally {
            progress.end();
        }
    }

    private static void sleep(Duration pause) {
        try {
            Thread.sleep(pause.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliFailure("interrupted while waiting for the job");
        }
    }
}
