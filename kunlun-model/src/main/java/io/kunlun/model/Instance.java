package io.kunlun.model;

import java.util.Optional;

/**
 * One database instance of a cluster. Storage nodes have a shard and a role, comps a name; ports
 * beyond the first are the storage node's SST and group-communication ports (0 for comps).
 * {@code osAccount} is the operating-system account that runs it on its machine: its cluster's own
 * account there, or empty for the shared account of the configuration (instances made before
 * clusters had accounts of their own, or on a machine the manager does not reach as root).
 */
public record Instance(
        String hostaddr,
        int port,
        String clusterName,
        InstanceKind kind,
        Optional<String> shardName,
        Optional<String> compName,
        Optional<Role> role,
        InstanceStatus status,
        int sstPort,
        int groupPort,
        String dataDir,
        String logDir,
        String walDir,
        String osAccount) {

    public Instance {
        // Undo records written before instances had accounts name none: the shared one.
        osAccount = osAccount == null ? "" : osAccount;
    }

    public String address() {
        return hostaddr + ":" + port;
    }
}
