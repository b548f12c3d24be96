package io.kunlun.core.ops.healing;

import io.kunlun.core.ops.clusters.ClusterAccounts;
import io.kunlun.core.ops.clusters.ClusterBuilder;
import io.kunlun.core.ops.Drivers;
import io.kunlun.core.ops.topology.PrimaryHandover;

import io.kunlun.core.ManagerException;
import io.kunlun.core.engines.ClusterUsers;
import io.kunlun.core.engines.GtidPosition;
import io.kunlun.core.engines.ReplicaStatus;
import io.kunlun.core.engines.StorageEngine;
import io.kunlun.core.engines.StorageNode;
import io.kunlun.core.meta.MetadataStore;
import io.kunlun.model.Cluster;
import io.kunlun.model.Instance;
import io.kunlun.model.InstanceKind;
import io.kunlun.model.Role;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * An rbr shard's primary is gone, and one of its replicas takes its place: the replicas confirm
 * that they lost it too (a manager that alone lost its link to the primary promotes nothing);
 * the replica that received the most of the shard's history applies what it received and is
 * promoted; the others and every comp follow it ({@link PrimaryHandover#follow}); the old primary's
 * configuration makes it start read-only. The roles are recorded last: a failover cut off by a
 * manager restart is made again from the start, keeping a replica it promoted already. When the
 * old primary runs again, {@link #rejoin} makes
 * it a replica of the new one, unless it holds transactions the new one lacks.
 */
public final class PrimaryFailover {
    /**
     * What a failover did: the new primary, the position it had applied when promoted, and the
     * comps that did not answer and still point at the old primary.
     */
    public record Outcome(Instance newPrimary, GtidPosition applied, List<Instance> compsNotRepointed) {
    }

    /** Names a kept-aside data directory by when it was set aside, in UTC: {@code kept-20261202T153500Z}. */
    private static final DateTimeFormatter KEPT_ASIDE_LABEL =
            DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    private final MetadataStore store;
    private final Drivers drivers;
    private final PrimaryHandover handover;

    public PrimaryFailover(MetadataStore store, Drivers drivers) {
        this.store = store;
        this.drivers = drivers;
        this.handover = new PrimaryHandover(store, drivers);
    }

    /**
     * Fails the shard of {@code primary} over to its most advanced replica; refuses (changing
     * nothing) while a replica still receives from the primary or none answers.
     */
    public Outcome failOver(Cluster cluster, Instance primary, Consumer<String> step) {
        String shard = primary.shardName().orElseThrow();
        List<Instance> replicas = store.clusters().instances(cluster.name()).stream()
                .filter(node -> node.kind() == InstanceKind.STORAGE && node.shardName().equals(primary.shardName()))
                .filter(node -> !node.address().equals(primary.address()))
                .toList();
        // A replica that takes writes was promoted by a failover the manager's restart cut off: it stays the primary.
        Optional<Instance> promoted = replicas.stream().filter(handover::writable).findFirst();
        Map<Instance, ReplicaStatus> lost = new LinkedHashMap<>();
        for (Instance replica : replicas) {
            if (promoted.isPresent() && replica == promoted.get()) {
                continue;
            }
            ReplicaStatus status;
            try {
                status = drivers.storage(replica.hostaddr()).replicaStatus(drivers.storageNode(replica));
            } catch (ManagerException unanswered) {
                continue; // a replica that does not answer can neither confirm nor be promoted
            }
            if (status.receiving()) {
                throw ManagerException.refused(shard + ": replica " + replica.address()
                        + " still receives from the primary " + primary.address() + "; no failover");
            }
            // One whose replication was stopped on purpose saw nothing, and may lack what the others have.
            if (status.lostPrimary()) {
                lost.put(replica, status);
            }
        }
        if (promoted.isEmpty() && lost.isEmpty()) {
            throw ManagerException.refused(shard + ": no replica confirms it lost the primary " + primary.address()
                    + "; the shard stays without a primary");
        }
        step.accept("lost by " + String.join(", ", lost.keySet().stream().map(Instance::address).toList()));
        Instance chosen = promoted.orElseGet(() -> lost.entrySet().stream()
                .max(Comparator.comparingLong((Map.Entry<Instance, ReplicaStatus> entry) ->
                        entry.getValue().received().transactions()))
                .orElseThrow().getKey());
        List<Instance> followers = new ArrayList<>(lost.keySet());
        promoted.ifPresent(followers::add);
        StorageEngine engine = drivers.storage(chosen.hostaddr());
        StorageNode node = drivers.storageNode(chosen);
        GtidPosition received = promoted.isPresent() ? new GtidPosition("") : lost.get(chosen).received();
        step.accept("promoting " + chosen.address() + " once it applied " + received);
        ClusterBuilder.naming(shard + " node ", () -> {
            engine.awaitApplied(node, received);
            engine.promote(node);
        });
        // A comp the old primary's machine took down with it must not keep the shard without a primary.
        List<Instance> compsNotRepointed = handover.follow(cluster, shard, primary, followers, chosen, step, true);
        // After the comps follow (writes are accepted again sooner): nothing starts the old primary before the
        // caller releases the cluster's lock. Its machine may be down too: then it cannot start either.
        try {
            if (drivers.storage(primary.hostaddr()).fenceDown(drivers.storageNode(primary))) {
                step.accept("killed " + primary.address() + ", which still ran without answering");
            }
        } catch (ManagerException unreachable) {
            step.accept("could not fence " + primary.address() + ": " + unreachable.getMessage());
        }
        return new Outcome(chosen, engine.binlogPosition(node), compsNotRepointed);
    }

    /** The node recorded as the primary of {@code node}'s shard, other than it, when it takes writes. */
    public Optional<Instance> writableRecordedPrimary(Instance node) {
        return store.clusters().instances(node.clusterName()).stream()
                .filter(other -> other.kind() == InstanceKind.STORAGE && other.shardName().equals(node.shardName()))
                .filter(other -> !other.address().equals(node.address()) && other.role().orElse(null) == Role.PRIMARY)
                .findFirst().filter(handover::writable);
    }

    /**
     * How an old primary rejoined its shard: attached from its own position ({@code errant}
     * empty), or, holding transactions the primary lacks ({@code errant}), reseeded from a backup
     * of the primary after its data was moved into {@code keptAside}.
     */
    public record Rejoin(String errant, Optional<String> keptAside) {
    }

    /**
     * Makes an old primary, running again read-only after a failover, a replica of its shard's
     * primary. When it holds transactions the primary lacks (errant GTIDs), its data is kept
     * aside first (moved, nothing deleted) and it is reseeded from a backup stream of the
     * primary taken now; a failed reseed names where its data went.
     */
    public Rejoin rejoin(Instance oldPrimary, Instant at) {
        Instance primary = store.clusters().instances(oldPrimary.clusterName()).stream()
                .filter(node -> node.kind() == InstanceKind.STORAGE && node.shardName().equals(oldPrimary.shardName()))
                .filter(node -> node.role().orElse(null) == Role.PRIMARY).findFirst()
                .orElseThrow(() -> ManagerException.refused(oldPrimary.shardName().orElseThrow() + " has no primary"));
        StorageNode oldNode = drivers.storageNode(oldPrimary);
        StorageNode primaryNode = drivers.storageNode(primary);
        StorageEngine oldEngine = drivers.storage(oldPrimary.hostaddr());
        StorageEngine primaryEngine = drivers.storage(primary.hostaddr());
        String errant = errant(oldEngine.variable(oldNode, "gtid_binlog_state"),
                primaryEngine.variable(primaryNode, "gtid_binlog_state") + ","
                        + primaryEngine.variable(primaryNode, "gtid_slave_pos"));
        ClusterUsers users = ClusterAccounts.ofCluster(store.clusters(), oldPrimary.clusterName());
        if (errant.isEmpty()) {
            oldEngine.demote(oldNode, primaryNode, users.replication());
            return new Rejoin("", Optional.empty());
        }
        String keptAside = oldEngine.keepDataAside(oldNode, KEPT_ASIDE_LABEL.format(at));
        try {
            new ClusterBuilder(store, drivers).reseedReplica(oldPrimary, primaryNode, users);
        } catch (ManagerException e) {
            throw new ManagerException(e.code(), "its data (holding " + errant + ", which the primary lacks) kept aside"
                    + " in " + keptAside + "; reseeding it from " + primary.address() + " failed: " + e.getMessage());
        }
        return new Rejoin(errant, Optional.of(keptAside));
    }

    /**
     * The last GTID of each domain in {@code node}'s binlog state that {@code primaryHistory}
     * does not reach, {@code primaryHistory} being GTIDs the primary holds: its binlog state and
     * its {@code gtid_slave_pos}. With gtid_strict_mode a domain's history is one line, numbered
     * in order, and a server's GTIDs reach another server only in that order; so the primary
     * holds all of the node's history in a domain exactly when it holds the node's last GTID
     * there, and it holds that GTID when it holds a GTID of the same (domain, server) numbered
     * at least as high. Only the last GTID is compared: a primary that was itself reseeded from
     * a backup has no binlog entry for the servers before the backup's position (that position
     * is its {@code gtid_slave_pos}), and comparing every (domain, server) of the node's state
     * then found those older, shared transactions errant.
     */
    static String errant(String nodeState, String primaryHistory) {
        Map<String, Long> primaryLast = lastByDomainAndServer(primaryHistory);
        String nodeLast = GtidPosition.furthest(List.of(new GtidPosition(nodeState))).text();
        return lastByDomainAndServer(nodeLast).entrySet().stream()
                .filter(last -> primaryLast.getOrDefault(last.getKey(), 0L) < last.getValue())
                .map(last -> last.getKey() + "-" + last.getValue()).collect(Collectors.joining(","));
    }

    /** The highest sequence number of each {@code domain-server} in a list of GTIDs. */
    private static Map<String, Long> lastByDomainAndServer(String gtids) {
        Map<String, Long> last = new LinkedHashMap<>();
        for (String gtid : gtids.split(",")) {
            if (!gtid.isBlank()) {
                String[] parts = gtid.strip().split("-");
                last.merge(parts[0] + "-" + parts[1], Long.parseLong(parts[2]), Math::max);
            }
        }
        return last;
    }
}
