package io.kunlun.core.engines;

/** The part a storage instance plays in its shard, fixed when it is installed. */
public sealed interface ReplicationMode {
    /** no_rep: the shard's only instance. */
    record Standalone() implements ReplicationMode {
    }

    static ReplicationMode standalone() {
        return new Standalone();
    }
}
