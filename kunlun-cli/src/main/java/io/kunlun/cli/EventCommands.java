package io.kunlun.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kunlun.model.job.JobType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code kunlunctl events}: what the manager did on its own (restarts, give-ups, failovers). */
@Command(name = "events", description = {"list_events: what the manager did on its own, newest first.",
        "Instances started again or given up on by the keepalive, primaries replaced by automatic failover,"
                + " old primaries that rejoined or were left aside."})
final class EventCommands extends RequestCommand {
    @Option(names = "--cluster", paramLabel = "NAME", description = "Only this cluster's events.")
    String cluster;

    @Option(names = "--limit", paramLabel = "N", description = "At most N events, 1 to 1000 (default: 100).")
    Integer limit;

    @Override
    protected JobType jobType() {
        return JobType.LIST_EVENTS;
    }

    @Override
    protected void fill(ObjectNode request) {
        if (cluster != null) {
            request.put("cluster_name", cluster);
        }
        if (limit != null) {
            request.put("limit", limit);
        }
    }
}
