package io.kunlun.core.engines;

import io.kunlun.core.ManagerException;

import java.util.List;

/**
 * The ports of one storage instance: SQL clients, full state transfer (SST: the backup stream a
 * new member receives), incremental state transfer (IST), and group communication. Galera needs
 * all four at once while a member joins, since it listens for IST before the SST stream starts;
 * the other modes listen on the SQL port only but keep the block so a node can change modes.
 */
public record StoragePorts(int sql, int stateTransfer, int incrementalTransfer, int groupCommunication) {
    /** How many ports one storage instance takes. */
    public static final int COUNT = 4;

    public StoragePorts {
        for (int port : new int[] {sql, stateTransfer, incrementalTransfer, groupCommunication}) {
            if (port < 1 || port > 65535) {
                throw ManagerException.refused("a port must be from 1 to 65535, got " + port);
            }
        }
        if (List.of(sql, stateTransfer, incrementalTransfer, groupCommunication).stream().distinct().count() < COUNT) {
            throw ManagerException.refused("the ports of a storage instance must differ, got "
                    + sql + ", " + stateTransfer + ", " + incrementalTransfer + ", " + groupCommunication);
        }
    }

    /** {@code first} for SQL and the next three for SST, IST and group communication. */
    public static StoragePorts from(int first) {
        return new StoragePorts(first, first + 1, first + 2, first + 3);
    }

    public List<Integer> all() {
        return List.of(sql, stateTransfer, incrementalTransfer, groupCommunication);
    }
}
