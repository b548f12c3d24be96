package io.kunlun.model;

import java.util.Optional;

/**
 * One database instance of a cluster. Storage nodes have a shard and a role, comps a name; ports
 * beyond the first are the storage node's SST and group-communication ports (0 for comps).
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
        String walDir) {

    public String address() {
        return hostaddr + ":" + port;
    }
}
