package io.kunlun.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kunlun.model.job.JobType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.List;

/** {@code kunlunctl cluster ...}: clusters of storage shards and compute nodes. */
@Command(name = "cluster", description = "Create, delete and list clusters, and list their storage nodes and comps.",
        subcommands = {ClusterCommands.Create.class, ClusterCommands.Delete.class, ClusterCommands.ListClusters.class,
                ClusterCommands.Storage.class, ClusterCommands.Comps.class, ClusterCommands.Credentials.class,
                ClusterConnect.class})
final class ClusterCommands {
    private ClusterCommands() {
    }

    @Command(name = "create", description = {"create_cluster: install a cluster on registered machines.",
            "Places the nodes of each shard on distinct machines (unused racks first) and each comp on the machine"
                    + " with the fewest instances, installs them, replicates each shard as --ha-mode says and links"
                    + " every comp to every shard.",
            "On success the reply's info is the cluster's name."})
    static final class Create extends JobSubmitCommand {
        @Option(names = "--ha-mode", required = true, paramLabel = "MODE",
                description = "How each shard replicates: no_rep (1 node), rbr (a primary and replicas) or mgr"
                        + " (a synchronous group of 3 or more).")
        String haMode;

        @Option(names = "--shards", required = true, paramLabel = "N", description = "Storage shards (1 to 256).")
        int shards;

        @Option(names = "--nodes", required = true, paramLabel = "N", description = "Nodes per shard (1 to 16).")
        int nodes;

        @Option(names = "--comps", required = true, paramLabel = "N", description = "Compute nodes (1 to 256).")
        int comps;

        @Option(names = "--name", paramLabel = "NAME",
                description = "The cluster's name (default: the manager makes one up, cluster_<seconds>_<n>).")
        String name;

        @Option(names = "--innodb-size", paramLabel = "GB",
                description = "InnoDB buffer pool of each storage node, in GB; placement reserves that much of a"
                        + " machine's memory per node (default: 1).")
        Integer innodbSize;

        @Option(names = "--max-connections", paramLabel = "N",
                description = "Connections each storage node and comp accepts, at least 10 (default: 1000).")
        Integer maxConnections;

        @Option(names = "--max-storage-size", paramLabel = "GB",
                description = "Disk space meant for each storage node, in GB, recorded with the cluster"
                        + " (default: 20).")
        Integer maxStorageSize;

        @Option(names = "--cpu-cores", paramLabel = "N",
                description = "CPU cores meant for each instance, recorded with the cluster; placement counts"
                        + " one core of a machine per instance (default: 8).")
        Integer cpuCores;

        @Option(names = "--machine", paramLabel = "ADDR",
                description = "A machine the cluster may use; repeat it for several (default: every registered"
                        + " machine).")
        List<String> machines;

        @Override
        protected JobType jobType() {
            return JobType.CREATE_CLUSTER;
        }

        @Override
        protected void fill(ObjectNode request) {
            request.put("ha_mode", haMode).put("shards", shards).put("nodes", nodes).put("comps", comps);
            if (name != null) {
                request.put("cluster_name", name);
            }
            putIfGiven(request, "innodb_size", innodbSize);
            putIfGiven(request, "max_connections", maxConnections);
            putIfGiven(request, "max_storage_size", maxStorageSize);
            putIfGiven(request, "cpu_cores", cpuCores);
            if (machines != null) {
                ArrayNode list = request.putArray("machinelist");
                machines.forEach(hostaddr -> list.addObject().put("hostaddr", hostaddr));
            }
        }

        private static void putIfGiven(ObjectNode request, String field, Integer value) {
            if (value != null) {
                request.put(field, value);
            }
        }
    }

    /** The cluster a request is about, named as an argument or with --name, but once. */
    static final class ClusterName {
        @Spec(Spec.Target.MIXEE)
        CommandSpec command;

        @Parameters(arity = "0..1", paramLabel = "NAME", description = "The cluster's name.")
        String positional;

        @Option(names = "--name", paramLabel = "NAME", description = "The cluster's name, instead of NAME.")
        String option;

        /** The one name given, or a usage error when none or both are. */
        String get() {
            if ((positional == null) == (option == null)) {
                throw new ParameterException(command.commandLine(), "name the cluster once: as NAME or with --name");
            }
            return positional != null ? positional : option;
        }
    }

    @Command(name = "delete", description = {"delete_cluster: stop and remove every instance of a cluster and"
            + " its directories, then forget it.",
            "A failed deletion leaves the instances not yet removed registered; run it again to finish."})
    static final class Delete extends JobSubmitCommand {
        @Mixin
        ClusterName cluster;

        @Override
        protected void checkUsage(Kunlunctl cli) {
            super.checkUsage(cli);
            cluster.get();
        }

        @Override
        protected JobType jobType() {
            return JobType.DELETE_CLUSTER;
        }

        @Override
        protected void fill(ObjectNode request) {
            request.put("cluster_name", cluster.get());
        }
    }

    @Command(name = "list", description = "get_cluster: every cluster with its shards, comps, ha_mode and nodes.")
    static final class ListClusters extends RequestCommand {
        @Override
        protected JobType jobType() {
            return JobType.GET_CLUSTER;
        }
    }

    /** get_storage and get_computer: a query about one cluster's instances. */
    abstract static class ClusterQuery extends RequestCommand {
        @Mixin
        ClusterName cluster;

        @Override
        protected void checkUsage(Kunlunctl cli) {
            cluster.get();
        }

        @Override
        protected void fill(ObjectNode request) {
            request.put("cluster_name", cluster.get());
        }
    }

    @Command(name = "storage", description = {"get_storage: a cluster's storage nodes with their shard, role"
            + " (primary or replica) and status.",
            "The user and pwd columns (the cluster's kunlun_admin account) appear only when the manager runs"
                    + " with --expose-credentials."})
    static final class Storage extends ClusterQuery {
        @Override
        protected JobType jobType() {
            return JobType.GET_STORAGE;
        }
    }

    @Command(name = "comps", description = {"get_computer: a cluster's compute nodes with their name and status.",
            "The user and pwd columns (the cluster's kunlun_admin account) appear only when the manager runs"
                    + " with --expose-credentials."})
    static final class Comps extends ClusterQuery {
        @Override
        protected JobType jobType() {
            return JobType.GET_COMPUTER;
        }
    }

    @Command(name = "credentials", description = {"get_credentials: the cluster's application account (kunlun_admin)"
            + " and its password, and the database clients use.",
            "Answered with --home, or by a manager that has an access token and was sent it: never to an"
                    + " unauthenticated client."})
    static final class Credentials extends ClusterQuery {
        @Override
        protected JobType jobType() {
            return JobType.GET_CREDENTIALS;
        }
    }
}
