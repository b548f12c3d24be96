package io.kunlun.core.engines;

/** The part a storage instance plays in its shard, fixed when it is installed. */
public sealed interface ReplicationMode {
    /** no_rep: the shard's only instance. */
    record Standalone() implements ReplicationMode {
    }

    /**
     * rbr: binary-log replication with GTIDs, semi-synchronous where the server has it. A
     * replica is read-only and follows its primary once {@link StorageEngine#attachReplica} ran.
     */
    record Rbr(boolean replica) implements ReplicationMode {
    }

    static ReplicationMode standalone() {
        return new Standalone();
    }

    static ReplicationMode rbrPrimary() {
        return new Rbr(false);
    }

    static ReplicationMode rbrReplica() {
        return new Rbr(true);
    }
}
