package io.kunlun.core.engines;

import io.kunlun.core.hosts.HostAccess;

/**
 * One storage instance: the machine it runs on, its ports, its directories and the account it runs
 * as there (empty: the configured shared one).
 */
public record StorageNode(HostAccess host, StoragePorts ports, StorageLayout layout, String account)
        implements AccountHolder {
    /** {@code hostaddr:port}, as every message names the instance. */
    public String label() {
        return host.address() + ":" + ports.sql();
    }
}
