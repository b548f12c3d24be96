package io.kunlun.core.engines;

/** A shard a compute instance is linked to, and where its foreign server points. */
public record LinkedShard(String name, String host, int port) {
}
