package io.kunlun.core.engines;

import io.kunlun.core.ManagerException;

import java.util.Map;
import java.util.TreeMap;

/**
 * A MariaDB GTID position such as {@code 0-17-1042,1-17-3}: the last transaction of each
 * replication domain. Within a shard every transaction of a domain gets the next sequence
 * number (gtid_strict_mode), so a higher number means further along.
 */
public record GtidPosition(String text) {
    public GtidPosition {
        text = text == null ? "" : text.strip();
        if (!text.matches("(\\d+-\\d+-\\d+(,\\s*\\d+-\\d+-\\d+)*)?")) {
            throw new ManagerException(ManagerException.Code.COMMAND_FAILED, "not a GTID position: \"" + text + "\"");
        }
    }

    /** The last sequence number of each domain. */
    public Map<Long, Long> sequences() {
        Map<Long, Long> sequences = new TreeMap<>();
        if (!text.isEmpty()) {
            for (String gtid : text.split(",")) {
                String[] parts = gtid.strip().split("-");
                sequences.merge(Long.parseLong(parts[0]), Long.parseLong(parts[2]), Math::max);
            }
        }
        return sequences;
    }

    /** How many transactions the position covers, over all domains: the measure of "most advanced". */
    public long transactions() {
        return sequences().values().stream().mapToLong(Long::longValue).sum();
    }

    @Override
    public String toString() {
        return text;
    }
}
