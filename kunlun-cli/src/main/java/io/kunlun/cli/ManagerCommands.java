package io.kunlun.cli;

import io.kunlun.model.job.JobType;
import picocli.CommandLine.Command;

/** {@code kunlunctl manager}: the managers running on the metadata store. */
@Command(name = "manager", description = "The managers on the metadata store: which one leads.",
        subcommands = {ManagerCommands.ListManagers.class})
final class ManagerCommands {
    private ManagerCommands() {
    }

    @Command(name = "list", description = {"list_managers: every manager on the metadata store, the leader first.",
            "Its address, role (leader or follower), last heartbeat and the fencing number of its latest term"
                    + " as leader."})
    static final class ListManagers extends RequestCommand {
        @Override
        protected JobType jobType() {
            return JobType.LIST_MANAGERS;
        }
    }
}
