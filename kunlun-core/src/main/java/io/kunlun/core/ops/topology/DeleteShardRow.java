package io.kunlun.core.ops.topology;

import io.kunlun.core.jobs.UndoAction;
import io.kunlun.core.meta.MetadataStore;

/** Undo of a shard's registration in a cluster that stays: its row goes (its instances have their own undo). */
public final class DeleteShardRow implements UndoAction<DeleteShardRow.ShardRow> {
    public static final String NAME = "delete-shard-row";

    /** A shard of a cluster. */
    public record ShardRow(String clusterName, String shardName) {
    }

    private final MetadataStore store;

    public DeleteShardRow(MetadataStore store) {
        this.store = store;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Class<ShardRow> payloadType() {
        return ShardRow.class;
    }

    @Override
    public void undo(ShardRow row) {
        store.clusters().deleteShard(row.clusterName(), row.shardName());
    }
}
