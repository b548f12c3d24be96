package io.kunlun.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kunlun.model.job.JobType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code kunlunctl restore ...}: a cluster as it was at a point in time, from the backup store. */
@Command(name = "restore", description = "Restore a cluster's backup as of a point in time.",
        subcommands = {RestoreCommands.NewCluster.class, RestoreCommands.InPlace.class})
final class RestoreCommands {
    private RestoreCommands() {
    }

    /** The fields both restores share: whose backups, and the point in time. */
    abstract static class Restore extends JobSubmitCommand {
        @Option(names = "--from", required = true, paramLabel = "CLUSTER",
                description = "The cluster whose backups to restore (it may have been deleted since).")
        String source;

        @Option(names = "--time", required = true, paramLabel = "'YYYY-MM-DD HH:MM:SS'",
                description = "The point in time, in the manager's time zone: every transaction committed at or"
                        + " before that second, none after it.")
        String time;

        @Override
        protected void fill(ObjectNode request) {
            request.put("timestamp", time).put("backup_cluster_name", source);
        }
    }

    @Command(name = "new", description = {"restore_new_cluster: a new cluster of the backed-up cluster's shape,"
            + " as it was at --time.", "Prints the new cluster's name."})
    static final class NewCluster extends Restore {
        @Mixin
        MachineListOption machineList;

        @Override
        protected JobType jobType() {
            return JobType.RESTORE_NEW_CLUSTER;
        }

        @Override
        protected void fill(ObjectNode request) {
            super.fill(request);
            machineList.fill(request);
        }
    }

    @Command(name = "in-place", description = {"restore_cluster: replace an existing cluster's data with the backup"
            + " as of --time.", "Refused unless the manager's configuration allows restores in place."})
    static final class InPlace extends Restore {
        @Option(names = "--into", required = true, paramLabel = "CLUSTER",
                description = "The cluster whose data is replaced; it needs as many shards as the backup.")
        String target;

        @Override
        protected JobType jobType() {
            return JobType.RESTORE_CLUSTER;
        }

        @Override
        protected void fill(ObjectNode request) {
            super.fill(request);
            request.put("restore_cluster_name", target);
        }
    }
}
