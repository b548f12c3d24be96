package io.kunlun.core.ops.clusters;

import io.kunlun.core.jobs.UndoAction;
import io.kunlun.core.meta.MetadataStore;

/** Undo of a cluster's registration: its rows, instances' and ports' included, go. */
public final class DeleteClusterRows implements UndoAction<String> {
    public static final String NAME = "delete-cluster-rows";

    private final MetadataStore store;

    public DeleteClusterRows(MetadataStore store) {
        this.store = store;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Class<String> payloadType() {
        return String.class;
    }

    @Override
    public void undo(String clusterName) {
        store.clusters().deleteCluster(clusterName);
    }
}
