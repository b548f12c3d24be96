package io.kunlun.core.engines;

import io.kunlun.core.ManagerException;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Starting one stopped member of a Galera group, whoever keeps the list of members (a cluster's
 * shard in the metadata, the metadata group in its configuration file). A member joins its group
 * when another member runs in it. When none does (the whole group stopped or crashed), the group
 * is started again from the member with the most recent data, as Galera's documented procedure
 * does: that member, if it is the one asked for, starts a new group on its data; otherwise the
 * start is refused, naming the member to start first. A member still running outside the group
 * (it lost its quorum when the others died) that has the most recent data is made the group's
 * primary component again instead, without a restart. The members that follow join it as usual,
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
            return joinGroup(group, member, members);
        }
        // No member is in the group's primary component; some may still run outside it, having lost their quorum.
        Set<String> running = members.stream().filter(other -> other.engine().isRunning(other.node()))
                .map(Member::label).collect(Collectors.toSet());
        Map<String, GroupPosition> positions = positionsOfDownGroup(group, members, running);
        String mostRecent = mostRecent(positions, running, member.label());
        if (running.contains(mostRecent)) {
            Member survivor = members.stream().filter(other -> other.label().equals(mostRecent)).findFirst().orElseThrow();
            try {
                survivor.engine().bootstrapRunningMember(survivor.node());
            } catch (ManagerException refused) {
                // Galera refuses pc.bootstrap while the survivor has not yet noticed the others are gone.
                throw new StartPostponed(group + " group is down; " + mostRecent + ", which runs outside it with"
                        + " the most recent data, could not be made its primary component yet: " + refused.getMessage());
            }
            return joinGroup(group, member, members);
        }
        if (!running.isEmpty()) {
            throw ManagerException.refused(group + " group is down; " + String.join(", ", running.stream().sorted()
                    .toList()) + " runs outside it with older data than " + mostRecent
                    + ": stop it before starting the group again");
        }
        if (!mostRecent.equals(member.label())) {
            throw new StartPostponed(group + " group is down; start " + mostRecent
                    + " first: it has the most recent data (seqno " + positions.get(mostRecent).seqno()
                    + " against " + positions.get(member.label()).seqno() + ")");
        }
        member.engine().bootstrapGroup(member.node());
        return StartOutcome.STARTED;
    }

    private static StartOutcome joinGroup(String group, Member member, List<Member> members) {
        return member.engine().startInGroup(member.node(), () -> othersInGroup(member, members),
                group + " group stopped while " + member.label() + " was joining it");
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
            String first = mostRecent(positionsOfDownGroup(group, members, Set.of()), Set.of(), members.get(0).label());
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
     * Where each member's data stands when no member is in the group's primary component: a
     * running one's (outside it) as it says, a stopped one's from its files; refuses members
     * holding different group histories.
     */
    private static Map<String, GroupPosition> positionsOfDownGroup(String group, List<Member> members,
                                                                   Set<String> running) {
        Map<String, GroupPosition> positions = new LinkedHashMap<>();
        for (Member other : members) {
            positions.put(other.label(), running.contains(other.label()) ? other.engine().runningPosition(other.node())
                    : other.engine().lastCommitted(other.node()));
        }
        if (positions.values().stream().map(GroupPosition::uuid).distinct().count() > 1) {
            throw ManagerException.refused(group + " group is down and its members hold different"
                    + " group histories (" + positions.entrySet().stream()
                    .map(entry -> entry.getKey() + " uuid " + entry.getValue().uuid())
                    .collect(Collectors.joining(", ")) + "); none is started");
        }
        return positions;
    }

    /**
     * Of members equally recent, a running one (it need not start), then {@code preferred}, else
     * the first listed.
     */
    private static String mostRecent(Map<String, GroupPosition> positions, Set<String> running, String preferred) {
        return positions.entrySet().stream()
                .max(Comparator.comparingLong((Map.Entry<String, GroupPosition> entry) -> entry.getValue().seqno())
                        .thenComparing(entry -> running.contains(entry.getKey()))
                        .thenComparing(entry -> entry.getKey().equals(preferred)))
                .orElseThrow().getKey();
    }
}
