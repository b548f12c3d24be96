package io.kunlun.core.meta;

import io.kunlun.model.Machine;
import io.kunlun.model.PathSpace;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Registered machines and the space of their root paths. */
public final class MachineTable {
    private final Jdbi jdbi;

    MachineTable(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /** Inserts a machine; false when its hostaddr is already registered. */
    public boolean insert(Machine machine, List<PathSpace> spaces) {
        return jdbi.inTransaction(handle -> {
            if (find(handle, machine.hostaddr()).isPresent()) {
                return false;
            }
            long now = System.currentTimeMillis();
            handle.createUpdate("INSERT INTO machine (hostaddr, rack_id, datadir, logdir, wal_log_dir, comp_datadir,"
                            + " total_mem_mb, total_cpu_cores, created_at, updated_at) VALUES (:hostaddr, :rack,"
                            + " :datadir, :logdir, :wal, :comp, :mem, :cpu, :now, :now)")
                    .bind("hostaddr", machine.hostaddr())
                    .bind("now", now)
                    .bindMap(columns(machine))
                    .execute();
            replaceSpaces(handle, machine.hostaddr(), spaces, now);
            return true;
        });
    }

    /** Updates a machine; false when its hostaddr is not registered. */
    public boolean update(Machine machine, List<PathSpace> spaces) {
        return jdbi.inTransaction(handle -> {
            long now = System.currentTimeMillis();
            int rows = handle.createUpdate("UPDATE machine SET rack_id = :rack, datadir = :datadir, logdir = :logdir,"
                            + " wal_log_dir = :wal, comp_datadir = :comp, total_mem_mb = :mem, total_cpu_cores = :cpu,"
                            + " updated_at = :now WHERE hostaddr = :hostaddr")
                    .bind("hostaddr", machine.hostaddr())
                    .bind("now", now)
                    .bindMap(columns(machine))
                    .execute();
            if (rows == 0) {
                return false;
            }
            replaceSpaces(handle, machine.hostaddr(), spaces, now);
            return true;
        });
    }

    /** Deletes a machine unless an instance still runs on it; answers what happened. */
    /**
     * Deletes the machine unless an instance is registered or a port held on it. A job that
     * reserves ports there at the same moment either sees the machine gone or keeps it: the
     * reservations' foreign key decides (see {@link ClusterTable#reservePorts}).
     */
    public DeleteOutcome delete(String hostaddr) {
        try {
            return jdbi.inTransaction(handle -> {
                if (find(handle, hostaddr).isEmpty()) {
                    return DeleteOutcome.UNKNOWN;
                }
                int held = handle.createQuery("SELECT (SELECT COUNT(*) FROM instance WHERE hostaddr = :h)"
                                + " + (SELECT COUNT(*) FROM port_allocation WHERE hostaddr = :h)")
                        .bind("h", hostaddr).mapTo(Integer.class).one();
                if (held > 0) {
                    return DeleteOutcome.HOSTS_INSTANCES;
                }
                handle.execute("DELETE FROM machine_path WHERE hostaddr = ?", hostaddr);
                handle.execute("DELETE FROM machine WHERE hostaddr = ?", hostaddr);
                return DeleteOutcome.DELETED;
            });
        } catch (UnableToExecuteStatementException e) {
            // A port reserved there after the count: the foreign key refused the delete.
            return DeleteOutcome.HOSTS_INSTANCES;
        }
    }

    public enum DeleteOutcome { DELETED, UNKNOWN, HOSTS_INSTANCES }

    public Optional<Machine> find(String hostaddr) {
        return jdbi.withHandle(handle -> find(handle, hostaddr));
    }

    public List<Machine> list() {
        return jdbi.withHandle(handle -> handle.createQuery("SELECT * FROM machine ORDER BY hostaddr")
                .map((rs, ctx) -> machine(rs)).list());
    }

    /**
     * Up to {@code limit} machines in the order of hostaddr, those after {@code after} when given
     * (a position rather than a machine: it need not be registered, so a page whose last machine
     * was deleted meanwhile still leads to the next).
     */
    public List<Machine> page(Optional<String> after, int limit) {
        return jdbi.withHandle(handle -> handle.createQuery("SELECT * FROM machine"
                        + (after.isPresent() ? " WHERE hostaddr > :after" : "") + " ORDER BY hostaddr LIMIT :limit")
                .bind("after", after.orElse("")).bind("limit", limit)
                .map((rs, ctx) -> machine(rs)).list());
    }

    /**
     * The path spaces of the machines from {@code first} to {@code last} (by hostaddr) by host
     * address, each machine's by path: one query for a page of machines, not one per machine.
     */
    public Map<String, List<PathSpace>> spaces(String first, String last) {
        Map<String, List<PathSpace>> spaces = new HashMap<>();
        jdbi.useHandle(handle -> handle.createQuery("SELECT hostaddr, path, total_bytes, free_bytes FROM machine_path"
                        + " WHERE hostaddr >= :first AND hostaddr <= :last ORDER BY hostaddr, path")
                .bind("first", first).bind("last", last)
                .map((rs, ctx) -> Map.entry(rs.getString(1),
                        new PathSpace(rs.getString(2), rs.getLong(3), rs.getLong(4))))
                .forEach(entry -> spaces.computeIfAbsent(entry.getKey(), host -> new ArrayList<>())
                        .add(entry.getValue())));
        return spaces;
    }

    public List<PathSpace> spaces(String hostaddr) {
        return jdbi.withHandle(handle -> handle.createQuery(
                        "SELECT path, total_bytes, free_bytes FROM machine_path WHERE hostaddr = :h ORDER BY path")
                .bind("h", hostaddr)
                .map((rs, ctx) -> new PathSpace(rs.getString(1), rs.getLong(2), rs.getLong(3)))
                .list());
    }

    private static Optional<Machine> find(Handle handle, String hostaddr) {
        return handle.createQuery("SELECT * FROM machine WHERE hostaddr = :h")
                .bind("h", hostaddr)
                .map((rs, ctx) -> machine(rs))
                .findOne();
    }

    private static void replaceSpaces(Handle handle, String hostaddr, List<PathSpace> spaces, long now) {
        handle.execute("DELETE FROM machine_path WHERE hostaddr = ?", hostaddr);
        for (PathSpace space : spaces) {
            handle.execute("INSERT INTO machine_path (hostaddr, path, total_bytes, free_bytes, checked_at)"
                    + " VALUES (?, ?, ?, ?, ?)", hostaddr, space.path(), space.totalBytes(), space.freeBytes(), now);
        }
    }

    private static java.util.Map<String, Object> columns(Machine machine) {
        return java.util.Map.of(
                "rack", machine.rackId(),
                "datadir", String.join(";", machine.datadir()),
                "logdir", String.join(";", machine.logdir()),
                "wal", String.join(";", machine.walLogDir()),
                "comp", String.join(";", machine.compDatadir()),
                "mem", machine.totalMemMb(),
                "cpu", machine.totalCpuCores());
    }

    private static Machine machine(ResultSet rs) throws SQLException {
        return new Machine(
                rs.getString("hostaddr"),
                rs.getString("rack_id"),
                paths(rs.getString("datadir")),
                paths(rs.getString("logdir")),
                paths(rs.getString("wal_log_dir")),
                paths(rs.getString("comp_datadir")),
                rs.getInt("total_mem_mb"),
                rs.getInt("total_cpu_cores"));
    }

    private static List<String> paths(String joined) {
        return Arrays.stream(joined.split(";")).filter(path -> !path.isEmpty()).toList();
    }
}
