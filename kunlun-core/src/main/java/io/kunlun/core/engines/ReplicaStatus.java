package io.kunlun.core.engines;

/**
 * Where a replica replicates from and whether both of its replication threads run.
 * {@code lastError} is the receiver's or applier's last error, empty when there is none;
 * {@code received} the GTIDs the receiver got from the primary (applied or not yet).
 */
public record ReplicaStatus(String primaryHost, int primaryPort, boolean receiving, boolean applying, String lastError,
                            GtidPosition received) {
    public boolean running() {
        return receiving && applying;
    }
}
