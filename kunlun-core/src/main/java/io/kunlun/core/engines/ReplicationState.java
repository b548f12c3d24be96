package io.kunlun.core.engines;

/**
 * What tells an rbr node's role, read in one client run: the host it replicates from (empty when
 * it replicates from nobody) and whether it refuses writes ({@code read_only}).
 */
public record ReplicationState(String source, boolean readOnly) {
}
