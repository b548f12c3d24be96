package io.kunlun.core.engines;

import io.kunlun.core.ManagerException;
import io.kunlun.core.hosts.HostAccess;

/**
 * One compute instance: the machine it runs on, its port, its directory and the account it runs as
 * there (empty: the configured shared one).
 */
public record ComputeNode(HostAccess host, int port, ComputeLayout layout, String account) implements AccountHolder {
    public ComputeNode {
        if (port < 1 || port > 65535) {
            throw ManagerException.refused("a port must be from 1 to 65535, got " + port);
        }
    }

    /** {@code hostaddr:port}, as every message names the instance. */
    public String label() {
        return host.address() + ":" + port;
    }
}
