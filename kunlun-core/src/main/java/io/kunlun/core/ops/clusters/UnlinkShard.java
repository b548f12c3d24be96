package io.kunlun.core.ops.clusters;

import io.kunlun.core.ops.Drivers;

import io.kunlun.core.jobs.UndoAction;
import io.kunlun.model.Instance;

/**
 * Undo of a shard's link on a comp that stays: drops the comp's foreign server for the shard.
 * Dropping one that was never made succeeds.
 */
public final class UnlinkShard implements UndoAction<UnlinkShard.Link> {
    public static final String NAME = "unlink-shard";

    /** A comp's link to a shard, and the account its user mapping is for. */
    public record Link(Instance comp, String shardName, String adminUser) {
    }

    private final Drivers drivers;

    public UnlinkShard(Drivers drivers) {
        this.drivers = drivers;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Class<Link> payloadType() {
        return Link.class;
    }

    @Override
    public void undo(Link link) {
        ClusterBuilder.shardLinks(drivers, link.comp(), link.adminUser()).remove(link.shardName());
    }
}
