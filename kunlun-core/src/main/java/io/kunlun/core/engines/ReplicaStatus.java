package io.kunlun.core.engines;

/**
 * Where a replica replicates from and whether both of its replication threads run; whether its
 * receiver is trying to connect again ({@code reconnecting}).
 * {@code lastError} is the receiver's or applier's last error, empty when there is none;
 * {@code received} the GTIDs the receiver got from the primary (applied or not yet).
 */
public record ReplicaStatus(String primaryHost, int primaryPort, boolean receiving, boolean reconnecting,
                            boolean applying, String lastError, GtidPosition received) {
    public boolean running() {
        return receiving && applying;
    }

    /**
     * Whether the replica saw its primary go: its receiver lost the connection (it is trying to
     * connect again, or stopped on an error). A replica whose replication was stopped on purpose,
     * or a node that replicates from nobody, saw nothing.
     */
    public boolean lostPrimary() {
        return !primaryHost.isEmpty() && !receiving && (reconnecting || !lastError.isEmpty());
    }
}
