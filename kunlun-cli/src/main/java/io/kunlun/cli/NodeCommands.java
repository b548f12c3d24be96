package io.kunlun.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kunlun.model.job.JobType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code kunlunctl node ...}: the storage nodes of a cluster's shards. */
@Command(name = "node", description = "Add storage nodes to a cluster's shards, or delete one.",
        subcommands = {NodeCommands.Add.class, NodeCommands.Delete.class})
final class NodeCommands {
    private NodeCommands() {
    }

    @Command(name = "add", description = {"add_nodes: new replicas for a shard, or for every shard.",
            "Each is seeded from a backup of its shard and joins its replication; prints ip:port;ip:port."})
    static final class Add extends JobSubmitCommand {
        @Option(names = "--cluster", required = true, paramLabel = "NAME", description = "The cluster.")
        String cluster;

        @Option(names = "--shard", paramLabel = "NAME", description = "The shard (default: every shard).")
        String shard;

        @Option(names = "--nodes", required = true, paramLabel = "N", description = "New nodes per shard.")
        int nodes;

        @Mixin
        MachineListOption machineList;

        @Override
        protected JobType jobType() {
            return JobType.ADD_NODES;
        }

        @Override
        protected void fill(ObjectNode request) {
            request.put("cluster_name", cluster);
            if (shard != null) {
                request.put("shard_name", shard);
            }
            request.put("nodes", nodes);
            machineList.fill(request);
        }
    }

    @Command(name = "delete", description = {"delete_node: remove one node of a shard.",
            "Refused below the ha_mode's minimum; an rbr primary first hands over to its most advanced replica."})
    static final class Delete extends JobSubmitCommand {
        @Option(names = "--cluster", required = true, paramLabel = "NAME", description = "The cluster.")
        String cluster;

        @Option(names = "--shard", required = true, paramLabel = "NAME", description = "The node's shard.")
        String shard;

        @Option(names = "--ip", required = true, paramLabel = "ADDR", description = "The node's address.")
        String ip;

        @Option(names = "--port", required = true, paramLabel = "PORT", description = "The node's SQL port.")
        int port;

        @Override
        protected JobType jobType() {
            return JobType.DELETE_NODE;
        }

        @Override
        protected void fill(ObjectNode request) {
            request.put("cluster_name", cluster).put("shard_name", shard).put("ip", ip).put("port", port);
        }
    }
}
