package io.kunlun.core.meta;

import java.util.List;
import java.util.Optional;

/**
 * How the metadata store is doing, for the manager's metrics: whether a connection could be made
 * the last time one was tried, how many outages there were since start, each pool's connections,
 * and (on a server store) whether this manager still holds the store's lease.
 */
public record StoreStatus(boolean up, long outages, List<Pool> pools, Optional<Boolean> leaseHeld) {

    /** One connection pool: connections in use, idle, the threads waiting for one, the bound. */
    public record Pool(String name, int active, int idle, int waiting, int max, long timeouts) {
    }
}
