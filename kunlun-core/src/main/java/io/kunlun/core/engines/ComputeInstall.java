package io.kunlun.core.engines;

/** Everything {@link ComputeEngine#install} needs to create one compute instance. */
public record ComputeInstall(ComputeNode node, ComputeSettings settings, ClusterUsers users) {
}
