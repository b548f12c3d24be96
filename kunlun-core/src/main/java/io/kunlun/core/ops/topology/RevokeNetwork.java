package io.kunlun.core.ops.topology;

import io.kunlun.core.ops.clusters.ClusterBuilder;
import io.kunlun.core.ops.Drivers;
import io.kunlun.core.ops.Parallel;

import io.kunlun.core.jobs.UndoAction;
import io.kunlun.model.Instance;

import java.util.List;

/**
 * Undo of {@link NetworkGrants}: the instances no longer let the cluster's accounts in from the
 * network. Each instance accepts that it never got it.
 */
public final class RevokeNetwork implements UndoAction<RevokeNetwork.Grant> {
    public static final String NAME = "revoke-network";

    /** A client network granted on instances, to the accounts of these user names (no passwords recorded). */
    public record Grant(String network, List<Instance> instances, List<String> userNames) {
    }

    private final NetworkGrants grants;

    public RevokeNetwork(Drivers drivers) {
        this.grants = new NetworkGrants(drivers);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Class<Grant> payloadType() {
        return Grant.class;
    }

    @Override
    public void undo(Grant grant) {
        Parallel.run(grant.instances().stream().<Runnable>map(instance -> () -> ClusterBuilder.naming(
                NetworkGrants.place(instance), () -> grants.revoke(instance, grant.userNames(), grant.network())))
                .toList());
    }
}
