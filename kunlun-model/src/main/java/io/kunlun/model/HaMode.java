package io.kunlun.model;

import java.util.Arrays;
import java.util.stream.Collectors;

/** How the replicas of one shard (or of the metadata store) replicate. */
public enum HaMode {
    /** One server, no replication. */
    NO_REP("no_rep", 1, 1),
    /** A GTID primary with read-only replicas. */
    RBR("rbr", 1, 16),
    /** Synchronous group replication: MySQL Group Replication or Galera. */
    MGR("mgr", 3, 16);

    private final String wireName;
    private final int minNodes;
    private final int maxNodes;

    HaMode(String wireName, int minNodes, int maxNodes) {
        this.wireName = wireName;
        this.minNodes = minNodes;
        this.maxNodes = maxNodes;
    }

    public String wireName() {
        return wireName;
    }

    public int minNodes() {
        return minNodes;
    }

    public int maxNodes() {
        return maxNodes;
    }

    public static HaMode fromWire(String field, String value) {
        for (HaMode mode : values()) {
            if (mode.wireName.equals(value)) {
                return mode;
            }
        }
        throw new InvalidRequestException(field + " must be one of "
                + Arrays.stream(values()).map(HaMode::wireName).collect(Collectors.joining(", "))
                + ", got " + io.kunlun.model.job.RequestFields.quote(value));
    }
}
