package io.kunlun.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kunlun.model.job.JobType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code kunlunctl backup ...}: full backups of clusters in the manager's backup store. */
@Command(name = "backup", description = "Back up a cluster, list the backups in the store, or delete one.",
        subcommands = {BackupCommands.Create.class, BackupCommands.ListBackups.class, BackupCommands.Delete.class})
final class BackupCommands {
    private BackupCommands() {
    }

    @Command(name = "create", description = {"backup_cluster: a full backup of every shard and the comps' schema.",
            "Streamed into the manager's backup store; prints the backup's time (YYYY-MM-DD HH:MM:SS),"
                    + " which 'restore' accepts as --time."})
    static final class Create extends JobSubmitCommand {
        @Option(names = "--cluster", required = true, paramLabel = "NAME", description = "The cluster.")
        String cluster;

        @Override
        protected JobType jobType() {
            return JobType.BACKUP_CLUSTER;
        }

        @Override
        protected void fill(ObjectNode request) {
            request.put("backup_cluster_name", cluster);
        }
    }

    @Command(name = "list", description = "list_backups: the complete backups in the store, oldest first"
            + " (deleted clusters' backups too).")
    static final class ListBackups extends RequestCommand {
        @Option(names = "--cluster", paramLabel = "NAME", description = "Only this cluster's backups.")
        String cluster;

        @Override
        protected JobType jobType() {
            return JobType.LIST_BACKUPS;
        }

        @Override
        protected void fill(ObjectNode request) {
            if (cluster != null) {
                request.put("cluster_name", cluster);
            }
        }
    }

    @Command(name = "delete", description = {"delete_backup: delete one backup from the store.",
            "The cluster's archived binlogs that only the deleted backup needed go with it."})
    static final class Delete extends JobSubmitCommand {
        @Option(names = "--cluster", required = true, paramLabel = "NAME",
                description = "The cluster the backup is of (it may have been deleted since).")
        String cluster;

        @Option(names = "--backup-id", required = true, paramLabel = "ID",
                description = "The backup's id, as 'backup list' shows it, e.g. 20261202T043107Z.")
        String backupId;

        @Override
        protected JobType jobType() {
            return JobType.DELETE_BACKUP;
        }

        @Override
        protected void fill(ObjectNode request) {
            request.put("cluster_name", cluster).put("backup_id", backupId);
        }
    }
}
