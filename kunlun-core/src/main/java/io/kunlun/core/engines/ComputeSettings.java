package io.kunlun.core.engines;

import io.kunlun.core.ManagerException;

/** Sizes of one compute instance, and the database its clients use (owned by the admin account). */
public record ComputeSettings(int maxConnections, int sharedBuffersMb, String database) {
    public ComputeSettings {
        if (maxConnections < 10 || maxConnections > 100000) {
            throw ManagerException.refused("max connections must be from 10 to 100000, got " + maxConnections);
        }
        if (sharedBuffersMb < 1) {
            throw ManagerException.refused("shared buffers must be at least 1 MB, got " + sharedBuffersMb);
        }
        SqlText.requireName(database, "database name");
    }
}
