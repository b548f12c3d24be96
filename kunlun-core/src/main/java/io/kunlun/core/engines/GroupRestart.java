package io.kunlun.core.engines;

import io.kunlun.core.ManagerException;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Starting one stopped member of a Galera group, whoever keeps the list of members (a cluster's
 * shard in the metadata, the metadata group in its configuration file). A member joins its group
 * when another member runs in it. When none does (the whole group stopped or crashed), the group
 * is started again from the member with the most recent data, as Galera's documented procedure
 * does: that member, if it is the one asked for, starts a new group on its data; otherwise the
 * start is refused, naming the member to start first. The members that follow join it as usual,
 * by state transfer.
 */
public final class GroupRestart {
    /** One member: the engine of its machine and where it is. */
    public record Member(StorageEngine engine, StorageNode node) {
        public String label() {
            return node.label();
        }

        /** Whether the member's server runs in its group's primary component. */
        public boolean inGroup() {
            try {
                return engine.isRunning(node) && engine.groupStatus(node).primaryComponent();
            } catch (ManagerException unanswered) {
                return false;
            }
        }
    }

    private GroupRestart() {
    }

    /**
     * A member's start that must wait for its group, not a failure of the member: its whole group
     * is down and another member holds more recent data and must start the group first, or the
     * group it was joining stopped before it was synced. It joins or starts with the group later.
     */
    public static final class StartPostponed extends ManagerException {
        StartPostponed(String message) {
            super(Code.REFUSED, message);
        }
    }

    /**
     * Starts {@code member} into its group of {@code members} (itself included) and waits until
     * it is synced; {@code group} names the group in refusals ("shard1 group is down; ...").
     */
    public static StartOutcome start(String group, Member member, List<Member> members) {
        if (member.engine().isRunning(member.node()) || othersInGroup(member, members)) {
            return member.engine().startInGroup(member.node(), () -> othersInGroup(member, members),
                    group + " group stopped while " + member.label() + " was joining it");
        }
        Map<String, GroupPosition> positions = positionsOfStoppedGroup(group, members);
        String mostRecent = mostRecent(positions, member.label());
        if (!mostRecent.equals(member.label())) {
            throw new StartPostponed(group + " group is down; start " + mostRecent
                    + " first: it has the most recent data (seqno " + positions.get(mostRecent).seqno()
                    + " against " + positions.get(member.label()).seqno() + ")");
        }
        member.engine().bootstrapGroup(member.node());
        return StartOutcome.STARTED;
    }

    private static boolean othersInGroup(Member member, List<Member> members) {
        return members.stream().anyMatch(other -> !other.label().equals(member.label()) && other.inGroup());
    }

    /**
     * Starts every member of a group that does not run: when none runs, the most recent one
     * first, which starts the group again, then each other one, which joins it (see
     * {@link #start}: a member that runs outside the group refuses the others). Answers the
     * labels of the members it started, in order.
     */
    public static List<String> startAll(String group, List<Member> members) {
        List<Member> stopped = members.stream().filter(member -> !member.engine().isRunning(member.node())).toList();
        List<Member> order = new ArrayList<>(stopped);
        List<String> started = new ArrayList<>();
        if (!stopped.isEmpty() && stopped.size() == members.size()) {
            String first = mostRecent(positionsOfStoppedGroup(group, members), members.get(0).label());
            Member bootstrap = members.stream().filter(member -> member.label().equals(first)).findFirst().orElseThrow();
            bootstrap.engine().bootstrapGroup(bootstrap.node());
            started.add(first);
            order.remove(bootstrap);
        }
        for (Member member : order) {
            start(group, member, members);
            started.add(member.label());
        }
        return started;
    }

    /**
     * Where each member's data stands, when the whole group is down; refuses a member that runs
     * outside the group, and members holding different group histories.
     */
    private static Map<String, GroupPosition> positionsOfStoppedGroup(String group, List<Member> members) {
        for (Member other : members) {
            if (other.engine().isRunning(other.node())) {
                throw ManagerException.refused(group + " group is down; " + other.label()
                        + " runs outside it: stop it before starting the group again");
            }
        }
        Map<String, GroupPosition> positions = new LinkedHashMap<>();
        for (Member other : members) {
            positions.put(other.label(), other.engine().lastCommitted(other.node()));
        }
        if (positions.values().stream().map(GroupPosition::uuid).distinct().count() > 1) {
            throw ManagerException.refused(group + " group is down and its members hold different"
                    + " group histories (" + positions.entrySet().stream()
                    .map(entry -> entry.getKey() + " uuid " + entry.getValue().uuid())
                    .collect(Collectors.joining(", ")) + "); none is started");
        }
        return positions;
    }

    /** Of members equally recent, {@code preferred}, else the first listed. */
    private static String mostRecent(Map<String, GroupPosition> positions, String preferred) {
        return positions.entrySet().stream()
                .max(Comparator.comparingLong((Map.Entry<String, GroupPosition> entry) -> entry.getValue().seqno())
                        .thenComparing(entry -> entry.getKey().equals(preferred)))
                .orElseThrow().getKey();
    }
}
