package io.kunlun.core.ops;

import io.kunlun.core.jobs.UndoAction;
import io.kunlun.core.meta.ExporterTable.Exporter;

/**
 * Undo of an exporter's start: stop it, forget its row and its port. Each part accepts that it
 * never happened.
 */
public final class RemoveExporter implements UndoAction<RemoveExporter.Started> {
    public static final String NAME = "remove-exporter";

    /** The exporter, and the directory of the instance it watches (where its files are). */
    public record Started(Exporter exporter, String instanceDir) {
    }

    private final InstanceExporters exporters;

    public RemoveExporter(InstanceExporters exporters) {
        this.exporters = exporters;
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
        exporters.remove(started.exporter(), started.instanceDir());
    }
}
