package io.kunlun.cli;

import io.kunlun.core.ManagerException;
import io.kunlun.core.config.ManagerConfig;
import io.kunlun.core.meta.StoreMigration;
import io.kunlun.core.meta.group.MetaGroup;
import io.kunlun.core.meta.group.MetaGroupFile;
import io.kunlun.core.meta.group.MetaGroupSpec;
import io.kunlun.model.job.JobType;
import io.kunlun.server.ServeConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;

/**
 * {@code kunlunctl meta ...}: the metadata store the manager keeps its state in: how it
 * replicates and its nodes (requests to a manager), and the metadata group itself (made, changed
 * and started here, in kunlunctl, by {@link MetaGroup}; no manager needs to run).
 */
@Command(name = "meta", description = "The metadata store: how it replicates, its nodes, and the metadata group.",
        subcommands = {MetaCommands.Mode.class, MetaCommands.Nodes.class, MetaCommands.Bootstrap.class,
                MetaCommands.AddMember.class, MetaCommands.RemoveMember.class, MetaCommands.Start.class,
                MetaCommands.Migrate.class})
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

    /** A command on the metadata group: runs in kunlunctl, reports on stdout, fails with the core's message. */
    abstract static class GroupCommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            try {
                run(spec.commandLine().getOut());
            } catch (ManagerException | IllegalArgumentException | UncheckedIOException e) {
                throw new CliFailure(e.getMessage());
            }
            spec.commandLine().getOut().flush();
            return 0;
        }

        abstract void run(PrintWriter out);

        /** Runs {@code work} with the group reached as {@code config} says (ssh, engines). */
        static <T> T withGroup(ManagerConfig config, Function<MetaGroup, T> work) {
            try (MetaGroup group = new MetaGroup(config)) {
                return work.apply(group);
            }
        }

        static void describe(PrintWriter out, MetaGroupFile file) {
            MetaGroupSpec spec = file.spec();
            out.println("metadata group " + spec.name() + ": " + String.join(", ", spec.members().stream()
                    .map(MetaGroupSpec.Member::address).toList()));
            out.println("configuration: " + file.path() + " (mode 0600; start managers with kunlunctl serve --config "
                    + file.path() + ")");
        }
    }

    @Command(name = "bootstrap", description = "Make the metadata group: MariaDB on 1 machine (no_rep) or Galera on an"
            + " odd number of 3 or more (mgr), and write a manager configuration file pointing at it.")
    static final class Bootstrap extends GroupCommand {
        @Option(names = "--machine", paramLabel = "ADDR", required = true,
                description = "A member's machine (loopback locally, others over SSH); repeat: 1, or 3, 5, ...")
        List<String> machines;

        @Option(names = "--datadir", paramLabel = "DIR", required = true,
                description = "Where each member's instance goes, the same on every machine; absent or empty.")
        String datadir;

        @Option(names = "--config-out", paramLabel = "FILE", required = true,
                description = "The manager configuration file to write (mode 0600); it must not exist.")
        Path configOut;

        @Option(names = "--config", paramLabel = "FILE",
                description = "A manager configuration to start from: its ssh and engines reach the machines, and"
                        + " every setting but metadata is kept in --config-out.")
        Path config;

        @Option(names = "--port", paramLabel = "N",
                description = "Each member's SQL port; the next three are taken too (default: "
                        + MetaGroup.DEFAULT_PORT + ").")
        int port = MetaGroup.DEFAULT_PORT;

        @Option(names = "--buffer-pool-mb", paramLabel = "MB",
                description = "InnoDB buffer pool of each member (default: " + MetaGroup.DEFAULT_BUFFER_POOL_MB + ").")
        int bufferPoolMb = MetaGroup.DEFAULT_BUFFER_POOL_MB;

        @Option(names = "--client-network", paramLabel = "CIDR",
                description = "A network managers connect from, besides loopback and the members' machines; repeat.")
        List<String> clientNetworks = List.of();

        @Override
        void run(PrintWriter out) {
            ManagerConfig base = config == null ? ManagerConfig.defaults(Path.of("var"))
                    : ServeConfig.load(config).manager();
            MetaGroupFile file = withGroup(base, group -> group.bootstrap(new MetaGroup.Bootstrap(machines, datadir,
                    port, bufferPoolMb, clientNetworks, configOut, config)));
            describe(out, file);
        }
    }

    /** A change of one member: the group's configuration file, rewritten, and the member's machine. */
    abstract static class MemberCommand extends GroupCommand {
        @Option(names = "--config", paramLabel = "FILE", required = true,
                description = "The configuration file meta bootstrap wrote; it is rewritten.")
        Path config;

        @Option(names = "--machine", paramLabel = "ADDR", required = true, description = "The member's machine.")
        String machine;

        @Override
        void run(PrintWriter out) {
            describe(out, withGroup(ServeConfig.load(config).manager(), this::change));
        }

        abstract MetaGroupFile change(MetaGroup group);
    }

    @Command(name = "add-member", description = "Add a member to the metadata group (it joins by state transfer) and"
            + " name it in the configuration file.")
    static final class AddMember extends MemberCommand {
        @Override
        MetaGroupFile change(MetaGroup group) {
            return group.addMember(config, machine);
        }
    }

    @Command(name = "remove-member", description = "Take a member out of the metadata group (its instance deleted"
            + " when its machine answers, forgotten when the machine is lost).")
    static final class RemoveMember extends MemberCommand {
        @Override
        MetaGroupFile change(MetaGroup group) {
            return group.removeMember(config, machine);
        }
    }

    @Command(name = "start", description = "Start the members of the metadata group that do not run; a group entirely"
            + " down starts again from its member with the most recent data.")
    static final class Start extends GroupCommand {
        @Option(names = "--config", paramLabel = "FILE", required = true,
                description = "The configuration file meta bootstrap wrote.")
        Path config;

        @Override
        void run(PrintWriter out) {
            List<String> started = withGroup(ServeConfig.load(config).manager(), group -> group.start(config));
            out.println(started.isEmpty() ? "every member runs already" : "started " + String.join(", ", started));
        }
    }

    @Command(name = "migrate", description = "Copy the embedded metadata store of --home (every machine, cluster,"
            + " instance and job) into the empty store of a configuration file; no manager may run on either.")
    static final class Migrate extends GroupCommand {
        @Option(names = "--to", paramLabel = "FILE", required = true,
                description = "A manager configuration file naming the target store (e.g. from meta bootstrap).")
        Path to;

        @Override
        void run(PrintWriter out) {
            Path home = Kunlunctl.of(spec).home().orElseThrow(() -> new CliFailure("meta migrate needs --home: the"
                    + " manager home whose embedded store is copied"));
            Map<String, Integer> copied = StoreMigration.migrate(home, ServeConfig.load(to).manager().metadata());
            copied.forEach((table, rows) -> out.println(table + ": " + rows + " rows"));
            out.println("migrated " + home + " into " + ServeConfig.load(to).manager().metadata().jdbcUrl()
                    + "; start the manager with --config " + to);
        }
    }
}
