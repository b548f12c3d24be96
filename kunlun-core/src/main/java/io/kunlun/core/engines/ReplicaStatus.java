package io.kunlun.core.engines;

/**
 * Where a replica replicates from and whether both of its replication threads run.
 * {@code lastError} is the receiver's or applier's last error, empty when there is none.
 */
public record ReplicaStatus(String primaryHost, int primaryPort, boolean receiving, boolean applying, String lastError) {
    public boolean running() {
        return receiving && applying;
    }
}
