package io.kunlun.model;

/** A cluster as the manager records it; its shards, nodes and comps are instances that name it. */
public record Cluster(String name, ClusterSpec spec, int shards, int comps, long createdAtMillis) {
}
