package io.kunlun.core.engines;

import io.kunlun.core.ManagerException;

import java.util.List;

/** The part a storage instance plays in its shard, fixed when it is installed. */
public sealed interface ReplicationMode {
    /** no_rep: the shard's only instance. */
    record Standalone() implements ReplicationMode {
    }

    /**
     * rbr: binary-log replication with GTIDs, semi-synchronous where the server has it. A
     * replica is read-only and follows its primary once {@link StorageEngine#attachReplica} ran.
     */
    record Rbr(boolean replica) implements ReplicationMode {
    }

    /**
     * mgr: a synchronous group, Galera on MariaDB. {@code members} are all the group's instances,
     * this one included. The first instance installed bootstraps the group and creates the
     * accounts; each other one joins it, one at a time, and receives all its data (accounts
     * included) by state transfer from a member.
     */
    record Group(String name, List<StorageNode> members, boolean bootstrap) implements ReplicationMode {
        public Group {
            if (name == null || !name.matches("[A-Za-z0-9_.-]{1,64}")) {
                throw ManagerException.refused("a group name must be 1 to 64 letters, digits or _.-, got \""
                        + name + "\"");
            }
            members = List.copyOf(members);
            if (members.isEmpty()) {
                throw ManagerException.refused("a group needs its members");
            }
        }
    }

    static ReplicationMode standalone() {
        return new Standalone();
    }

    static ReplicationMode rbrPrimary() {
        return new Rbr(false);
    }

    static ReplicationMode rbrReplica() {
        return new Rbr(true);
    }

    static ReplicationMode groupBootstrap(String name, List<StorageNode> members) {
        return new Group(name, members, true);
    }

    static ReplicationMode groupJoiner(String name, List<StorageNode> members) {
        return new Group(name, members, false);
    }

    /** A member that joins an existing group: its data, accounts included, come from the group. */
    default boolean joinsGroup() {
        return this instanceof Group group && !group.bootstrap();
    }
}
