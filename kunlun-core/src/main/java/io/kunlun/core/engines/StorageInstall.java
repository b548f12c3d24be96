package io.kunlun.core.engines;

/**
 * Everything {@link StorageEngine#install} needs to create one storage instance; {@code maker} is
 * the job creating it, recorded in the instance directory (see {@link InstanceMaker}).
 */
public record StorageInstall(StorageNode node, StorageSettings settings, ReplicationMode mode, ClusterUsers users,
                             String maker) {
}
