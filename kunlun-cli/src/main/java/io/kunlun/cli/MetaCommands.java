package io.kunlun.cli;

import io.kunlun.model.job.JobType;
import picocli.CommandLine.Command;

/** {@code kunlunctl meta ...}: the metadata store the manager keeps its state in. */
@Command(name = "meta", description = "The metadata store: how it replicates, and its nodes.",
        subcommands = {MetaCommands.Mode.class, MetaCommands.Nodes.class})
final class MetaCommands {
    private MetaCommands() {
    }

    @Command(name = "mode", description = "get_meta_mode: how the metadata store replicates (mgr, rbr or no_rep).")
    static final class Mode extends RequestCommand {
        @Override
        protected JobType jobType() {
            return JobType.GET_META_MODE;
        }
    }

    @Command(name = "nodes", description = "get_meta: the metadata store's nodes.")
    static final class Nodes extends RequestCommand {
        @Override
        protected JobType jobType() {
            return JobType.GET_META;
        }
    }
}
