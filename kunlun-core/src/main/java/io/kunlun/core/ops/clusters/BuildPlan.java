package io.kunlun.core.ops.clusters;

import io.kunlun.core.ops.instances.InstancePlanning;

import io.kunlun.model.ClusterSpec;
import io.kunlun.model.Instance;

import java.util.List;

/**
 * The instances a job will add to a cluster, each with its machine, ports and directories:
 * shards (first node the primary) and comps. Made by {@link InstancePlanning}, made real by
 * {@link ClusterBuilder}.
 */
public record BuildPlan(String clusterName, ClusterSpec spec, List<Shard> shards, List<Instance> comps) {
    public record Shard(String name, List<Instance> nodes) {
        public Instance primary() {
            return nodes.get(0);
        }
    }

    public List<Instance> storageNodes() {
        return shards.stream().flatMap(shard -> shard.nodes().stream()).toList();
    }

    public List<Instance> all() {
        return java.util.stream.Stream.concat(storageNodes().stream(), comps.stream()).toList();
    }
}
