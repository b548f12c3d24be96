package io.kunlun.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kunlun.model.job.JobType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** {@code kunlunctl shard ...}: the storage shards of a cluster. */
@Command(name = "shard", description = "Add storage shards to a cluster, remove one, or change its primary.",
        subcommands = {ShardCommands.Add.class, ShardCommands.Delete.class, ShardCommands.Switchover.class})
final class ShardCommands {
    private ShardCommands() {
    }

    @Command(name = "add", description = {"add_shards: add shards to a cluster.",
            "They get the cluster's ha_mode, nodes per shard and sizes, the next names (shard3, shard4...),"
                    + " and every comp reaches them. Prints the new shards' names."})
    static final class Add extends JobSubmitCommand {
        @Option(names = "--cluster", required = true, paramLabel = "NAME", description = "The cluster.")
        String cluster;

        @Option(names = "--shards", required = true, paramLabel = "N", description = "How many shards to add.")
        int shards;

        @Mixin
        MachineListOption machineList;

        @Override
        protected JobType jobType() {
            return JobType.ADD_SHARDS;
        }

        @Override
        protected void fill(ObjectNode request) {
            request.put("cluster_name", cluster).put("shards", shards);
            machineList.fill(request);
        }
    }

    @Command(name = "delete", description = {"delete_shard: remove a shard and its data.",
            "Its instances are stopped and deleted, and the comps' foreign servers and tables on it dropped."
                    + " A cluster's last shard is refused."})
    static final class Delete extends JobSubmitCommand {
        @Option(names = "--cluster", required = true, paramLabel = "NAME", description = "The cluster.")
        String cluster;

        @Option(names = "--shard", required = true, paramLabel = "NAME", description = "The shard, e.g. shard2.")
        String shard;

        @Override
        protected JobType jobType() {
            return JobType.DELETE_SHARD;
        }

        @Override
        protected void fill(ObjectNode request) {
            request.put("cluster_name", cluster).put("shard_name", shard);
        }
    }

    @Command(name = "switchover", description = {"switchover: make another node the primary of an rbr shard,"
            + " with no write lost.",
            "The primary turns read-only, the new one applies everything and is promoted, the other nodes and"
                    + " every comp follow it. Without --ip/--port, the most advanced replica is chosen."})
    static final class Switchover extends JobSubmitCommand {
        @Option(names = "--cluster", required = true, paramLabel = "NAME", description = "The cluster.")
        String cluster;

        @Option(names = "--shard", required = true, paramLabel = "NAME", description = "The shard, e.g. shard1.")
        String shard;

        @Option(names = "--ip", paramLabel = "ADDR", description = "The replica to promote: its address...")
        String ip;

        @Option(names = "--port", paramLabel = "PORT", description = "...and its port.")
        Integer port;

        @Override
        protected void checkUsage(Kunlunctl cli) {
            super.checkUsage(cli);
            if ((ip == null) != (port == null)) {
                throw new ParameterException(spec.commandLine(),
                        "name the new primary with both --ip and --port, or with neither");
            }
        }

        @Override
        protected JobType jobType() {
            return JobType.SWITCHOVER;
        }

        @Override
        protected void fill(ObjectNode request) {
            request.put("cluster_name", cluster).put("shard_name", shard);
            if (ip != null) {
                request.put("ip", ip).put("port", port);
            }
        }
    }
}
