package io.kunlun.core.ops.topology;

import io.kunlun.core.ops.clusters.ClusterAccounts;
import io.kunlun.core.ops.clusters.ClusterBuilder;
import io.kunlun.core.ops.Drivers;
import io.kunlun.core.ops.Parallel;

import io.kunlun.core.ManagerException;
import io.kunlun.core.engines.ClusterUsers;
import io.kunlun.core.engines.GtidPosition;
import io.kunlun.core.engines.ShardTarget;
import io.kunlun.core.engines.StorageEngine;
import io.kunlun.core.engines.StorageNode;
import io.kunlun.core.jobs.JobContext;
import io.kunlun.core.meta.MetadataStore;
import io.kunlun.model.Cluster;
import io.kunlun.model.Instance;
import io.kunlun.model.InstanceKind;
import io.kunlun.model.Role;

import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * An rbr shard's primary handing over to one of its replicas with no write lost: what
 * delete_node does before it removes a primary, and what switchover does. The old primary
 * refuses writes, so the replicas can reach its last position. A replica that takes writes was
 * promoted by an earlier run of the job and stays the new primary; otherwise the chosen replica
 * applies everything the old primary wrote and is promoted. The other replicas follow it from
 * where each stands, every comp of the cluster points its link to the shard at it, and only
 * then does the metadata tell the new roles, so that a run cut off at any point has the roles it
 * started from and runs the whole handover again. The old primary is left read-only, following
 * nobody: removing it, or making it a replica, is the caller's.
 */
public final class PrimaryHandover {
    private final MetadataStore store;
    private final Drivers drivers;

    public PrimaryHandover(MetadataStore store, Drivers drivers) {
        this.store = store;
        this.drivers = drivers;
    }

    /**
     * Hands {@code oldPrimary}'s shard over to the replica {@code choose} picks among
     * {@code replicas} (unless one was promoted already); answers the new primary. Reports its
     * steps as step 0 of {@code total}.
     */
    Instance handOver(Cluster cluster, String shard, Instance oldPrimary, List<Instance> replicas,
                      Function<List<Instance>, Instance> choose, JobContext context, int total) {
        String from = "switching " + shard + " over from " + oldPrimary.address() + ": ";
        StorageNode oldNode = drivers.storageNode(oldPrimary);
        StorageEngine oldEngine = drivers.storage(oldPrimary.hostaddr());
        context.step(from + "refusing writes", 0, total);
        oldEngine.setReadOnly(oldNode, true);
        Instance chosen;
        StorageNode newPrimary;
        try {
            GtidPosition last = oldEngine.binlogPosition(oldNode);
            chosen = replicas.stream().filter(this::writable).findFirst().orElseGet(() -> choose.apply(replicas));
            newPrimary = drivers.storageNode(chosen);
            StorageEngine newEngine = drivers.storage(chosen.hostaddr());
            context.step(from + "promoting " + chosen.address(), 0, total);
            ClusterBuilder.naming(shard + " node ", () -> {
                newEngine.awaitApplied(newPrimary, last);
                newEngine.promote(newPrimary);
            });
        } catch (RuntimeException e) {
            // While no replica takes writes, the old primary is still the shard's only one: it takes writes again.
            try {
                if (replicas.stream().noneMatch(this::writable)) {
                    oldEngine.setReadOnly(oldNode, false);
                }
            } catch (RuntimeException reopen) {
                e.addSuppressed(reopen);
            }
            throw e;
        }
        follow(cluster, shard, oldPrimary, replicas, chosen, step -> context.step(from + step, 0, total), false);
        return chosen;
    }

    /**
     * The shard's other replicas follow its new primary from where each stands, every comp of
     * the cluster points its link to the shard at it, and then the metadata records the roles:
     * the new primary's, and the old primary's as a replica. With {@code leaveUnansweringComps}
     * (a failover, where the old primary's machine may have taken a comp with it) a comp that
     * cannot be re-pointed keeps its old link rather than keep the shard without a primary:
     * answers those comps, for the caller to re-point once they answer again. Otherwise any
     * failure fails the whole.
     */
    public List<Instance> follow(Cluster cluster, String shard, Instance oldPrimary, List<Instance> replicas,
                                 Instance chosen, Consumer<String> step, boolean leaveUnansweringComps) {
        ClusterUsers users = ClusterAccounts.ofCluster(store.clusters(), cluster.name());
        StorageNode newPrimary = drivers.storageNode(chosen);
        step.accept("re-pointing the replicas to " + chosen.address());
        Parallel.run(replicas.stream().filter(replica -> replica != chosen).<Runnable>map(replica -> () ->
                ClusterBuilder.naming(shard + " node ", () -> drivers.storage(replica.hostaddr())
                        .repointReplica(drivers.storageNode(replica), newPrimary, users.replication()))).toList());
        step.accept("re-pointing the comps to " + chosen.address());
        ShardTarget target = ShardTarget.primary(shard, newPrimary, users.admin());
        List<Instance> notRepointed = new CopyOnWriteArrayList<>();
        Parallel.run(store.clusters().instances(cluster.name()).stream()
                .filter(instance -> instance.kind() == InstanceKind.COMP)
                .<Runnable>map(comp -> () -> {
                    try {
                        ClusterBuilder.naming(comp.compName().orElseThrow() + " ",
                                () -> ClusterBuilder.shardLinks(drivers, comp, users.admin().user()).repoint(target));
                    } catch (ManagerException unanswered) {
                        if (!leaveUnansweringComps) {
                            throw unanswered;
                        }
                        notRepointed.add(comp);
                        step.accept("left " + comp.address() + " pointing at " + oldPrimary.address()
                                + " until it answers again: " + unanswered.getMessage());
                    }
                }).toList());
        store.clusters().setRole(chosen.hostaddr(), chosen.port(), Role.PRIMARY);
        store.clusters().setRole(oldPrimary.hostaddr(), oldPrimary.port(), Role.REPLICA);
        return List.copyOf(notRepointed);
    }

    /** The replica that applied the most of the shard's history. */
    Instance mostAdvanced(List<Instance> replicas) {
        return replicas.stream()
                .max(Comparator.comparingLong((Instance replica) -> drivers.storage(replica.hostaddr())
                        .appliedPosition(drivers.storageNode(replica)).transactions()))
                .orElseThrow();
    }

    /**
     * Whether the node takes writes: a replica whose promotion finished (read_only is lifted
     * last). A node that does not answer takes none.
     */
    public boolean writable(Instance node) {
        try {
            return "OFF".equals(drivers.storage(node.hostaddr()).variable(drivers.storageNode(node), "read_only"));
        } catch (ManagerException unreachable) {
            return false;
        }
    }
}
