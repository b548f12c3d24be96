package io.kunlun.core.ops.monitoring;

import io.kunlun.core.jobs.UndoAction;
import io.kunlun.core.meta.ExporterTable.Exporter;
import io.kunlun.core.meta.MetadataStore;

/**
 * Undo of an exporter's start: stop it, forget its row and its port. Each part accepts that it
 * never happened. Nothing is touched unless the job holds the exporter's port: another job may
 * have planned the same port and reserved it first.
 */
public final class RemoveExporter implements UndoAction<RemoveExporter.Started> {
    public static final String NAME = "remove-exporter";

    /**
     * The exporter, the directory of the instance it watches (where its files are), and the job
     * starting it: only while that job holds the exporter's port is the exporter there its own.
     */
    public record Started(Exporter exporter, String instanceDir, String jobId) {
    }

    private final InstanceExporters exporters;

    private final MetadataStore store;

    public RemoveExporter(InstanceExporters exporters, MetadataStore store) {
        this.exporters = exporters;
        this.store = store;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Class<Started> payloadType() {
        return Started.class;
    }

    @Override
    public void undo(Started started) {
        Exporter exporter = started.exporter();
        boolean held = store.clusters().portHolder(exporter.hostaddr(), exporter.port())
                .filter(holder -> holder.jobId().equals(started.jobId())).isPresent();
        if (held) {
            exporters.remove(exporter, started.instanceDir());
        }
    }
}
