package io.kunlun.core.engines;

import io.kunlun.core.ManagerException;

/**
 * A shard as a compute instance reaches it: the shard's name (the foreign server's name), the
 * address and SQL port of its primary, and the storage account the comp logs in with.
 */
public record ShardTarget(String name, String host, int port, Credential user) {
    public ShardTarget {
        SqlText.requireName(name, "shard name");
        if (host == null || !host.matches("[A-Za-z0-9][A-Za-z0-9.-]{0,252}")) {
            throw ManagerException.refused("a shard's host must be an IPv4 address or a host name, got \"" + host + "\"");
        }
        if (port < 1 || port > 65535) {
            throw ManagerException.refused("a port must be from 1 to 65535, got " + port);
        }
    }

    public static ShardTarget primary(String name, StorageNode primary, Credential user) {
        return new ShardTarget(name, primary.host().address(), primary.ports().sql(), user);
    }
}
