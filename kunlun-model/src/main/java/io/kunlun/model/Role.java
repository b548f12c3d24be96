package io.kunlun.model;

/** A storage node's part in its shard. */
public enum Role {
    PRIMARY, REPLICA;

    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
