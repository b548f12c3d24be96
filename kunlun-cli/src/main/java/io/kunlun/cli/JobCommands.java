package io.kunlun.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kunlun.model.job.JobType;
import io.kunlun.model.job.WireFormat;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.util.Optional;

/** {@code kunlunctl job ...}: the jobs the manager ran or runs. */
@Command(name = "job", description = "Follow the manager's jobs.",
        subcommands = {JobCommands.Status.class, JobCommands.Wait.class, JobCommands.ListJobs.class})
final class JobCommands {
    private JobCommands() {
    }

    @Command(name = "status", description = {"get_status: where a job is.",
            "Exit status 1 when the job failed or is unknown."})
    static final class Status extends RequestCommand {
        @Parameters(paramLabel = "ID", description = "The job's id.")
        String jobId;

        @Override
        protected JobType jobType() {
            return JobType.GET_STATUS;
        }

        @Override
        protected void fill(ObjectNode request) {
            request.put("job_id", jobId);
        }
    }

    @Command(name = "wait", description = {"Wait for a job to end, showing its progress on stderr.",
            "Exit status 0 when it is done, 1 when it failed, is unknown, or the timeout passed."})
    static final class Wait extends ManagerCommand {
        @Parameters(paramLabel = "ID", description = "The job's id.")
        String jobId;

        @Option(names = "--timeout", paramLabel = "DURATION", converter = DurationConverter.class,
                description = "Give up after this long, e.g. 30s, 10m, 2h (default: wait until the job ends).")
        Duration timeout;

        @Override
        protected ObjectNode exchange(ManagerConnection manager, JobWaiter waiter) {
            return waiter.await(jobId, Optional.ofNullable(timeout));
        }
    }

    @Command(name = "list", description = {"The newest jobs, newest first.",
            "Automatic jobs (auto_restart, auto_failover, auto_rejoin) record what the manager did on its own."})
    static final class ListJobs extends RequestCommand {
        @Option(names = "--limit", paramLabel = "N", description = "How many (default: 20, at most 1000).")
        Integer limit;

        @Option(names = "--type", paramLabel = "TYPE", description = "Only jobs of this job_type, e.g. auto_failover.")
        String type;

        @Option(names = "--automatic", description = "Only what the manager did on its own.")
        boolean automatic;

        @Option(names = "--before", paramLabel = "JOB_ID",
                description = "The next page: jobs older than this one (the previous reply's next_before).")
        String before;

        @Override
        protected JobType jobType() {
            return JobType.LIST_JOBS;
        }

        @Override
        protected void fill(ObjectNode request) {
            if (limit != null) {
                request.put("limit", limit);
            }
            if (type != null) {
                request.put(WireFormat.FILTER_JOB_TYPE, type);
            }
            if (automatic) {
                request.put("automatic", "1");
            }
            if (before != null) {
                request.put("before", before);
            }
        }
    }
}
