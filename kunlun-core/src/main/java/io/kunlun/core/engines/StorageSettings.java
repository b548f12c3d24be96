package io.kunlun.core.engines;

import io.kunlun.core.ManagerException;

/**
 * Sizes and identity of one storage instance. {@code serverId} must differ between the members of
 * a shard (replication ignores events carrying its own id).
 */
public record StorageSettings(long serverId, int bufferPoolMb, int maxConnections) {
    public StorageSettings {
        if (serverId < 1 || serverId > 4294967295L) {
            throw ManagerException.refused("server id must be from 1 to 4294967295, got " + serverId);
        }
        if (bufferPoolMb < 8) {
            throw ManagerException.refused("the buffer pool must be at least 8 MB, got " + bufferPoolMb);
        }
        if (maxConnections < 10 || maxConnections > 100000) {
            throw ManagerException.refused("max connections must be from 10 to 100000, got " + maxConnections);
        }
    }
}
