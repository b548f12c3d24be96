package io.kunlun.model;

/** What a cluster is made of, kept from its creation request for its later shards and nodes. */
public record ClusterSpec(HaMode haMode, int nodes, int maxStorageSizeGb, int maxConnections, int cpuCores,
                          int innodbSizeGb) {
}
