package io.kunlun.core.engines;

import io.kunlun.core.hosts.HostAccess;

/** One storage instance: the machine it runs on, its ports and its directories. */
public record StorageNode(HostAccess host, StoragePorts ports, StorageLayout layout) {
    /** {@code hostaddr:port}, as every message names the instance. */
    public String label() {
        return host.address() + ":" + ports.sql();
    }
}
