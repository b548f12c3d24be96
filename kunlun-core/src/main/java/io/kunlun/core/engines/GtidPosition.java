package io.kunlun.core.engines;

import io.kunlun.core.ManagerException;

import java.util.List;
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

    /**
     * Per domain, the furthest of the positions' GTIDs (the highest sequence number, with the
     * server id it carries there).
     */
    public static GtidPosition furthest(List<GtidPosition> positions) {
        Map<Long, String> furthest = new TreeMap<>();
        Map<Long, Long> sequences = new TreeMap<>();
        for (GtidPosition position : positions) {
            for (String gtid : position.text.isEmpty() ? List.<String>of() : List.of(position.text.split(","))) {
                String[] parts = gtid.strip().split("-");
                long domain = Long.parseLong(parts[0]);
                long sequence = Long.parseLong(parts[2]);
                if (sequence >= sequences.getOrDefault(domain, -1L)) {
                    sequences.put(domain, sequence);
                    furthest.put(domain, gtid.strip());
                }
            }
        }
        return new GtidPosition(String.join(",", furthest.values()));
    }

    /** One transaction further in every domain: a position no transaction of this history reaches. */
    public GtidPosition beyond() {
        return new GtidPosition(text.isEmpty() ? "" : java.util.Arrays.stream(text.split(",")).map(gtid -> {
            String[] parts = gtid.strip().split("-");
            return parts[0] + "-" + parts[1] + "-" + (Long.parseLong(parts[2]) + 1);
        }).collect(java.util.stream.Collectors.joining(",")));
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
