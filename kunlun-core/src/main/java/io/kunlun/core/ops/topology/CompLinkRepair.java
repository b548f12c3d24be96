package io.kunlun.core.ops.topology;

import io.kunlun.core.engines.ClusterUsers;
import io.kunlun.core.engines.LinkedShard;
import io.kunlun.core.engines.ShardLinks;
import io.kunlun.core.engines.ShardTarget;
import io.kunlun.core.meta.MetadataStore;
import io.kunlun.core.ops.Drivers;
import io.kunlun.core.ops.clusters.ClusterAccounts;
import io.kunlun.core.ops.clusters.ClusterBuilder;
import io.kunlun.model.HaMode;
import io.kunlun.model.Instance;
import io.kunlun.model.InstanceKind;
import io.kunlun.model.Role;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Points a comp's links at its rbr shards' recorded primaries where they point elsewhere: a
 * comp that did not answer while a failover re-pointed the others (its machine was down with the
 * old primary's) still sends its writes to the old primary, now read-only or gone. A primary that
 * does not take writes yet (a failover cut off before it recorded the roles, to be made again) is
 * not pointed at.
 */
public final class CompLinkRepair {
    private final MetadataStore store;
    private final Drivers drivers;
    private final PrimaryHandover handover;

    public CompLinkRepair(MetadataStore store, Drivers drivers) {
        this.store = store;
        this.drivers = drivers;
        this.handover = new PrimaryHandover(store, drivers);
    }

    /** Re-points what needs it; answers the shards it re-pointed, none for a comp of a cluster that is not rbr. */
    public List<String> repair(Instance comp) {
        if (comp.kind() != InstanceKind.COMP || store.clusters().findCluster(comp.clusterName())
                .filter(cluster -> cluster.spec().haMode() == HaMode.RBR).isEmpty()) {
            return List.of();
        }
        Map<String, Instance> primaries = store.clusters().instances(comp.clusterName()).stream()
                .filter(node -> node.kind() == InstanceKind.STORAGE && node.role().orElse(null) == Role.PRIMARY)
                .collect(Collectors.toMap(node -> node.shardName().orElseThrow(), node -> node, (first, second) -> first));
        ClusterUsers users = ClusterAccounts.ofCluster(store.clusters(), comp.clusterName());
        ShardLinks links = ClusterBuilder.shardLinks(drivers, comp, users.admin().user());
        List<String> repointed = new ArrayList<>();
        for (LinkedShard linked : links.list()) {
            Optional<Instance> primary = Optional.ofNullable(primaries.get(linked.name()));
            if (primary.isEmpty() || (primary.get().hostaddr().equals(linked.host())
                    && primary.get().port() == linked.port()) || !handover.writable(primary.get())) {
                continue;
            }
            links.repoint(ShardTarget.primary(linked.name(), drivers.storageNode(primary.get()), users.admin()));
            repointed.add(linked.name());
        }
        return repointed;
    }
}
