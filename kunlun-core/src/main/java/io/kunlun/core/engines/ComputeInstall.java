package io.kunlun.core.engines;

/**
 * Everything {@link ComputeEngine#install} needs to create one compute instance; {@code maker} is
 * the job creating it, recorded in the instance directory (see {@link InstanceMaker}).
 */
public record ComputeInstall(ComputeNode node, ComputeSettings settings, ClusterUsers users, String maker) {
}
