package io.kunlun.core.engines;

/**
 * Where a physical backup stands in its source's history: the source's binary log file and
 * offset at the backup's consistent point, and the GTID position of the last transaction it
 * holds (empty when the source had written none).
 */
public record BinlogCoordinates(String file, long offset, GtidPosition gtid) {
}
