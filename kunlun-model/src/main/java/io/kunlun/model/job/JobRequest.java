package io.kunlun.model.job;

import io.kunlun.model.ClusterSpec;
import io.kunlun.model.Machine;

import java.time.LocalDateTime;
import java.util.List;
import java.util.Optional;

/** One typed, validated request per job_type. */
public sealed interface JobRequest {
    JobType type();

    /** The cluster this request acts on, when it acts on one (the key of the cluster's FIFO lock). */
    default Optional<String> clusterName() {
        return Optional.empty();
    }

    /** An instance of a cluster, named by its address. */
    record InstanceAddress(String ip, int port) {
        @Override
        public String toString() {
            return ip + ":" + port;
        }
    }

    enum Control {
        STOP, START, RESTART;

        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    record CreateMachine(Machine machine) implements JobRequest {
        public JobType type() { return JobType.CREATE_MACHINE; }
    }

    record UpdateMachine(Machine machine) implements JobRequest {
        public JobType type() { return JobType.UPDATE_MACHINE; }
    }

    record DeleteMachine(String hostaddr) implements JobRequest {
        public JobType type() { return JobType.DELETE_MACHINE; }
    }

    record CreateCluster(Optional<String> requestedName, ClusterSpec spec, int shards, int comps,
                         Optional<List<String>> machineList) implements JobRequest {
        public JobType type() { return JobType.CREATE_CLUSTER; }

        @Override
        public Optional<String> clusterName() { return requestedName; }
    }

    record DeleteCluster(String name) implements JobRequest {
        public JobType type() { return JobType.DELETE_CLUSTER; }

        @Override
        public Optional<String> clusterName() { return Optional.of(name); }
    }

    record AddShards(String name, int shards, Optional<List<String>> machineList) implements JobRequest {
        public JobType type() { return JobType.ADD_SHARDS; }

        @Override
        public Optional<String> clusterName() { return Optional.of(name); }
    }

    record DeleteShard(String name, String shardName) implements JobRequest {
        public JobType type() { return JobType.DELETE_SHARD; }

        @Override
        public Optional<String> clusterName() { return Optional.of(name); }
    }

    record AddComps(String name, int comps, Optional<List<String>> machineList) implements JobRequest {
        public JobType type() { return JobType.ADD_COMPS; }

        @Override
        public Optional<String> clusterName() { return Optional.of(name); }
    }

    record DeleteComp(String name, String compName) implements JobRequest {
        public JobType type() { return JobType.DELETE_COMP; }

        @Override
        public Optional<String> clusterName() { return Optional.of(name); }
    }

    record AddNodes(String name, Optional<String> shardName, int nodes, Optional<List<String>> machineList)
            implements JobRequest {
        public JobType type() { return JobType.ADD_NODES; }

        @Override
        public Optional<String> clusterName() { return Optional.of(name); }
    }

    record DeleteNode(String name, String shardName, InstanceAddress node) implements JobRequest {
        public JobType type() { return JobType.DELETE_NODE; }

        @Override
        public Optional<String> clusterName() { return Optional.of(name); }
    }

    record BackupCluster(String name) implements JobRequest {
        public JobType type() { return JobType.BACKUP_CLUSTER; }

        @Override
        public Optional<String> clusterName() { return Optional.of(name); }
    }

    record RestoreCluster(LocalDateTime timestamp, String backupClusterName, String restoreClusterName)
            implements JobRequest {
        public JobType type() { return JobType.RESTORE_CLUSTER; }

        @Override
        public Optional<String> clusterName() { return Optional.of(restoreClusterName); }
    }

    record RestoreNewCluster(LocalDateTime timestamp, String backupClusterName, Optional<List<String>> machineList)
            implements JobRequest {
        public JobType type() { return JobType.RESTORE_NEW_CLUSTER; }
    }

    record GetMetaMode() implements JobRequest {
        public JobType type() { return JobType.GET_META_MODE; }
    }

    record GetMeta() implements JobRequest {
        public JobType type() { return JobType.GET_META; }
    }

    record GetCluster() implements JobRequest {
        public JobType type() { return JobType.GET_CLUSTER; }
    }

    record GetStorage(String name) implements JobRequest {
        public JobType type() { return JobType.GET_STORAGE; }
    }

    record GetComputer(String name) implements JobRequest {
        public JobType type() { return JobType.GET_COMPUTER; }
    }

    record GetVariable(String variable, InstanceAddress instance) implements JobRequest {
        public JobType type() { return JobType.GET_VARIABLE; }
    }

    /** value is value_int when the request has one, else value_str. */
    record SetVariable(String variable, String value, boolean integer, InstanceAddress instance)
            implements JobRequest {
        public JobType type() { return JobType.SET_VARIABLE; }
    }

    record ControlInstance(Control control, InstanceAddress instance) implements JobRequest {
        public JobType type() { return JobType.CONTROL_INSTANCE; }
    }

    record UpdatePrometheus() implements JobRequest {
        public JobType type() { return JobType.UPDATE_PROMETHEUS; }
    }

    record PostgresExporter(InstanceAddress instance) implements JobRequest {
        public JobType type() { return JobType.POSTGRES_EXPORTER; }
    }

    record MysqldExporter(InstanceAddress instance) implements JobRequest {
        public JobType type() { return JobType.MYSQLD_EXPORTER; }
    }

    record GetStatus(String jobId) implements JobRequest {
        public JobType type() { return JobType.GET_STATUS; }
    }

    /**
     * The newest {@code limit} jobs, of one type only when {@code jobType} is given, and only the
     * ones the manager recorded for what it did on its own when {@code automaticOnly}.
     */
    /** A page of the newest jobs: {@code before} is the last job of the previous page, if any. */
    record ListJobs(int limit, Optional<JobType> jobType, boolean automaticOnly, Optional<String> before)
            implements JobRequest {
        public JobType type() { return JobType.LIST_JOBS; }
    }

    /** A page of the machines by hostaddr: {@code after} is the last machine of the previous page, if any. */
    record ListMachines(int limit, Optional<String> after) implements JobRequest {
        public JobType type() { return JobType.LIST_MACHINES; }
    }

    /** One backup of a cluster, by its id ({@code 20261202T043107Z}), to delete from the store. */
    record DeleteBackup(String name, String backupId) implements JobRequest {
        public JobType type() { return JobType.DELETE_BACKUP; }

        @Override
        public Optional<String> clusterName() { return Optional.of(name); }
    }

    /** Every backup in the store, or only the cluster's. */
    record ListBackups(Optional<String> clusterName) implements JobRequest {
        public JobType type() { return JobType.LIST_BACKUPS; }
    }

    /** The cluster's application account and password. */
    record GetCredentials(String name) implements JobRequest {
        public JobType type() { return JobType.GET_CREDENTIALS; }
    }

    /** The shard's primary hands over to {@code target}, or else to its most advanced replica. */
    record Switchover(String name, String shardName, Optional<InstanceAddress> target) implements JobRequest {
        public JobType type() { return JobType.SWITCHOVER; }
    }

    /** The newest {@code limit} events, of every cluster or only the named one's. */
    record ListEvents(Optional<String> clusterName, int limit) implements JobRequest {
        public JobType type() { return JobType.LIST_EVENTS; }
    }

    /** Every manager on the metadata store: its address, leader or follower, its last heartbeat. */
    record ListManagers() implements JobRequest {
        public JobType type() { return JobType.LIST_MANAGERS; }
    }
}
