package io.kunlun.core.engines;

/** Sizes of one compute instance, and the database its clients use (owned by the admin account). */
public record ComputeSettings(int maxConnections, int sharedBuffersMb, String database) {
    public ComputeSettings {
        if (maxConnections < 10 || maxConnections > 100000) {
            throw new IllegalArgumentException("max connections must be from 10 to 100000, got " + maxConnections);
        }
        if (sharedBuffersMb < 1) {
            throw new IllegalArgumentException("shared buffers must be at least 1 MB, got " + sharedBuffersMb);
        }
        SqlText.requireName(database, "database name");
    }
}
