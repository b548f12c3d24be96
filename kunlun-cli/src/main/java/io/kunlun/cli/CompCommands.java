package io.kunlun.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kunlun.model.job.JobType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code kunlunctl comp ...}: the compute nodes of a cluster. */
@Command(name = "comp", description = "Add compute nodes to a cluster, or remove one.",
        subcommands = {CompCommands.Add.class, CompCommands.Delete.class})
final class CompCommands {
    private CompCommands() {
    }

    @Command(name = "add", description = {"add_comps: add compute nodes to a cluster.",
            "They get the next names (comp2, comp3...) and reach every shard. Prints their names."})
    static final class Add extends JobSubmitCommand {
        @Option(names = "--cluster", required = true, paramLabel = "NAME", description = "The cluster.")
        String cluster;

        @Option(names = "--comps", required = true, paramLabel = "N", description = "How many comps to add.")
        int comps;

        @Mixin
        MachineListOption machineList;

        @Override
        protected JobType jobType() {
            return JobType.ADD_COMPS;
        }

        @Override
        protected void fill(ObjectNode request) {
            request.put("cluster_name", cluster).put("comps", comps);
            machineList.fill(request);
        }
    }

    @Command(name = "delete", description = {"delete_comp: remove a compute node.",
            "Its instance is stopped and deleted. A cluster's last comp is refused."})
    static final class Delete extends JobSubmitCommand {
        @Option(names = "--cluster", required = true, paramLabel = "NAME", description = "The cluster.")
        String cluster;

        @Option(names = "--comp", required = true, paramLabel = "NAME", description = "The comp, e.g. comp2.")
        String comp;

        @Override
        protected JobType jobType() {
            return JobType.DELETE_COMP;
        }

        @Override
        protected void fill(ObjectNode request) {
            request.put("cluster_name", cluster).put("comp_name", comp);
        }
    }
}
