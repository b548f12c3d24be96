package io.kunlun.core.engines;

import io.kunlun.core.hosts.HostAccess;

/**
 * One Prometheus exporter of one database instance: it runs on the instance's machine, listens
 * on the machine's address and a port of its own, and keeps its files in the instance's
 * directory (so that they go with the instance).
 *
 * @param port         where the exporter serves {@code /metrics}
 * @param instanceDir  the watched instance's directory
 * @param instancePort the watched instance's SQL port, on the same machine
 * @param account      the watched instance's account, which the exporter runs as too (empty: the
 *                     configured shared one)
 */
public record ExporterNode(HostAccess host, int port, String instanceDir, int instancePort, String account)
        implements AccountHolder {
    public ExporterNode {
        InstancePaths.requireInstanceDirectory(instanceDir, "the instance directory");
    }

    /** {@code hostaddr:port} of the exporter, as messages and targets name it. */
    public String label() {
        return host.address() + ":" + port;
    }
}
