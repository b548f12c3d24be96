package io.kunlun.core.engines;

/** Everything {@link StorageEngine#install} needs to create one storage instance. */
public record StorageInstall(StorageNode node, StorageSettings settings, ReplicationMode mode, ClusterUsers users) {
}
