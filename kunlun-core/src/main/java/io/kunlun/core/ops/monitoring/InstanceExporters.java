package io.kunlun.core.ops.monitoring;

import io.kunlun.core.config.ManagerConfig;
import io.kunlun.core.engines.ExporterEngine;
import io.kunlun.core.engines.ExporterNode;
import io.kunlun.core.hosts.Hosts;
import io.kunlun.core.meta.ExporterTable.Exporter;
import io.kunlun.core.meta.ExporterTable.Kind;
import io.kunlun.core.meta.MetadataStore;
import io.kunlun.model.Instance;

import java.util.List;

/**
 * The exporters of instances on their machines: the driver of each kind, per machine (its
 * programs may be configured apart from the others'), and their removal, process, row and port.
 */
public final class InstanceExporters {
    private final ManagerConfig config;
    private final Hosts hosts;
    private final MetadataStore store;

    public InstanceExporters(ManagerConfig config, Hosts hosts, MetadataStore store) {
        this.config = config;
        this.hosts = hosts;
        this.store = store;
    }

    public ExporterEngine engine(String hostaddr, Kind kind) {
        return switch (kind) {
            case MYSQLD -> ExporterEngine.mysqld(config.enginesOn(hostaddr));
            case POSTGRES -> ExporterEngine.postgres(config.enginesOn(hostaddr));
        };
    }

    /** The exporter's node: its files live in the directory of the instance it watches. */
    public ExporterNode node(Exporter exporter, String instanceDir) {
        return new ExporterNode(hosts.get(exporter.hostaddr()), exporter.port(), instanceDir, exporter.instancePort());
    }

    /** Stops the exporter and forgets its row and port; nothing to remove is not an error. */
    public void remove(Exporter exporter, String instanceDir) {
        engine(exporter.hostaddr(), exporter.kind()).stop(node(exporter, instanceDir));
        store.exporters().delete(exporter.hostaddr(), exporter.port());
        store.clusters().releasePorts(exporter.hostaddr(), List.of(exporter.port()));
    }

    /** Removes the exporters watching the instance, before the instance itself goes. */
    public void removeFor(Instance instance) {
        for (Exporter exporter : store.exporters().forInstance(instance.hostaddr(), instance.port())) {
            remove(exporter, instance.dataDir());
        }
    }
}
