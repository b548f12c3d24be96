package io.kunlun.core.engines;

/**
 * Where a stopped group member's data stands in its group's history: the group's UUID and the
 * sequence number of the last transaction it committed. Members with the same UUID share one
 * history, and the one with the highest seqno holds every transaction the others hold.
 */
public record GroupPosition(String uuid, long seqno) {
}
