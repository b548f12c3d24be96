package io.kunlun.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kunlun.model.job.JobType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code kunlunctl machine ...}: the machines that host database instances. */
@Command(name = "machine", description = "Register, change, remove and list the machines that host instances.",
        subcommands = {MachineCommands.Create.class, MachineCommands.Update.class, MachineCommands.Delete.class,
                MachineCommands.ListMachines.class})
final class MachineCommands {
    private MachineCommands() {
    }

    /** The fields of create_machine and update_machine. */
    abstract static class MachineJob extends JobSubmitCommand {
        @Option(names = "--hostaddr", required = true, paramLabel = "ADDR",
                description = "The machine's address, e.g. 127.0.0.2.")
        String hostaddr;

        @Option(names = "--rack-id", paramLabel = "ID",
                description = "The rack, so that replicas of a shard land on different racks (default: 0).")
        String rackId;

        @Option(names = "--datadir", required = true, paramLabel = "PATHS",
                description = "Root paths for storage data, ';'-separated (quote them for the shell).")
        String datadir;

        @Option(names = "--logdir", required = true, paramLabel = "PATHS",
                description = "Root paths for storage binlogs, ';'-separated.")
        String logdir;

        @Option(names = "--wal-log-dir", required = true, paramLabel = "PATHS",
                description = "Root paths for storage redo logs, ';'-separated.")
        String walLogDir;

        @Option(names = "--comp-datadir", required = true, paramLabel = "PATHS",
                description = "Root paths for compute node data, ';'-separated.")
        String compDatadir;

        @Option(names = "--total-mem", required = true, paramLabel = "MB", description = "Memory for instances, in MB.")
        int totalMem;

        @Option(names = "--total-cpu-cores", required = true, paramLabel = "N", description = "CPU cores for instances.")
        int totalCpuCores;

        @Override
        protected void fill(ObjectNode request) {
            request.put("hostaddr", hostaddr);
            if (rackId != null) {
                request.put("rack_id", rackId);
            }
            request.put("datadir", datadir)
                    .put("logdir", logdir)
                    .put("wal_log_dir", walLogDir)
                    .put("comp_datadir", compDatadir)
                    .put("total_mem", totalMem)
                    .put("total_cpu_cores", totalCpuCores);
        }
    }

    @Command(name = "create", description = {"create_machine: register a machine.",
            "Every path must already exist on the machine; the manager checks them there and records their space."})
    static final class Create extends MachineJob {
        @Override
        protected JobType jobType() {
            return JobType.CREATE_MACHINE;
        }
    }

    @Command(name = "update", description = {"update_machine: change a registered machine.",
            "Give every field, as for create; the paths are checked again."})
    static final class Update extends MachineJob {
        @Override
        protected JobType jobType() {
            return JobType.UPDATE_MACHINE;
        }
    }

    @Command(name = "delete", description = "delete_machine: remove a machine that hosts no instance.")
    static final class Delete extends JobSubmitCommand {
        @Option(names = "--hostaddr", required = true, paramLabel = "ADDR", description = "The machine's address.")
        String hostaddr;

        @Override
        protected JobType jobType() {
            return JobType.DELETE_MACHINE;
        }

        @Override
        protected void fill(ObjectNode request) {
            request.put("hostaddr", hostaddr);
        }
    }

    @Command(name = "list", description = {"The registered machines by address, with the space of each path.",
            "At most 1000 a reply: next_after in the reply names the --after of the next page."})
    static final class ListMachines extends RequestCommand {
        @Option(names = "--limit", paramLabel = "N", description = "How many (default and at most: 1000).")
        Integer limit;

        @Option(names = "--after", paramLabel = "ADDR",
                description = "The next page: machines after this address (the previous reply's next_after).")
        String after;

        @Override
        protected JobType jobType() {
            return JobType.LIST_MACHINES;
        }

        @Override
        protected void fill(ObjectNode request) {
            if (limit != null) {
                request.put("limit", limit);
            }
            if (after != null) {
                request.put("after", after);
            }
        }
    }
}
