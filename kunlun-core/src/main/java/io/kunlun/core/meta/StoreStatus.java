package io.kunlun.core.meta;

import java.util.List;

/**
 * How the metadata store is doing, for the manager's metrics: whether a connection could be made
 * the last time one was tried, how many outages there were since start, each pool's connections,
 * whether this manager leads, and how many renewals of its lease the store accepted.
 */
public record StoreStatus(boolean up, long outages, List<Pool> pools, boolean leader, long leaseRenewals) {

    /** One connection pool: connections in use, idle, the threads waiting for one, the bound. */
    public record Pool(String name, int active, int idle, int waiting, int max, long timeouts) {
    }
}
