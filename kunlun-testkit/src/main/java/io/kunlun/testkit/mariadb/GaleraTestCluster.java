package io.kunlun.testkit.mariadb;

import java.util.List;
import java.util.stream.Collectors;

/** A Galera cluster of {@link MariaDbTestServer}s; closing it stops every node. */
public final class GaleraTestCluster implements AutoCloseable {
    private final List<MariaDbTestServer> nodes;

    GaleraTestCluster(List<MariaDbTestServer> nodes) {
        this.nodes = List.copyOf(nodes);
    }

    /** The nodes in the order they started; the first bootstrapped the cluster. */
    public List<MariaDbTestServer> nodes() {
        return nodes;
    }

    /** A JDBC URL that tries the nodes in order, to {@link MariaDbTestServer#DATABASE}. */
    public String jdbcUrl() {
        return "jdbc:mariadb:sequential://" + nodes.stream()
                .map(node -> node.address() + ":" + node.port())
                .collect(Collectors.joining(",")) + "/" + MariaDbTestServer.DATABASE;
    }

    @Override
    public void close() {
        RuntimeException failure = null;
        for (MariaDbTestServer node : nodes) {
            try {
                node.close();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
