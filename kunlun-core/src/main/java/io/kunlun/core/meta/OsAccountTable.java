package io.kunlun.core.meta;

import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.JdbiException;
import org.jdbi.v3.core.statement.StatementContext;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The operating-system accounts the manager made for clusters on machines: only these does it
 * ever delete, and only once no instance on their machine runs as them.
 */
public final class OsAccountTable {
    private final Jdbi jdbi;
    private volatile String installation;

    OsAccountTable(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /**
     * The installation's identity, which accounts' names are derived from: written by the first
     * manager that needs it, the same for every manager on the store ever after.
     */
    public String installation() {
        String known = installation;
        if (known != null) {
            return known;
        }
        String id = jdbi.withHandle(OsAccountTable::readInstallation).orElseGet(() -> {
            try {
                jdbi.useHandle(handle -> handle.execute("INSERT INTO installation (singleton, id) VALUES (1, ?)",
                        UUID.randomUUID().toString()));
                return jdbi.withHandle(OsAccountTable::readInstallation).orElseThrow();
            } catch (JdbiException lostTheRace) {
                // another manager wrote it at the same moment: its identity is the installation's
                return jdbi.withHandle(OsAccountTable::readInstallation).orElseThrow(() -> lostTheRace);
            }
        });
        installation = id;
        return id;
    }

    private static Optional<String> readInstallation(Handle handle) {
        return handle.createQuery("SELECT id FROM installation WHERE singleton = 1").mapTo(String.class).findOne();
    }

    /** Account {@code name} on {@code hostaddr}, made for {@code clusterName} by job {@code jobId}. */
    public record OsAccount(String hostaddr, String name, String clusterName, String jobId) {
    }

    public Optional<OsAccount> find(String hostaddr, String name) {
        return jdbi.withHandle(handle -> handle.createQuery(
                        "SELECT * FROM os_account WHERE hostaddr = :h AND name = :n")
                .bind("h", hostaddr).bind("n", name).map(OsAccountTable::account).findOne());
    }

    private static OsAccount account(ResultSet rs, StatementContext ctx) throws SQLException {
        return new OsAccount(rs.getString("hostaddr"), rs.getString("name"), rs.getString("cluster_name"),
                rs.getString("job_id"));
    }

    /** The name of every account the manager made and has not deleted, on any machine. */
    public List<String> names() {
        return jdbi.withHandle(handle -> handle.createQuery("SELECT DISTINCT name FROM os_account ORDER BY name")
                .mapTo(String.class).list());
    }

    /** The machines where the account was made for the cluster. */
    public List<String> hostsOf(String name, String clusterName) {
        return jdbi.withHandle(handle -> handle.createQuery(
                        "SELECT hostaddr FROM os_account WHERE name = :n AND cluster_name = :c ORDER BY hostaddr")
                .bind("n", name).bind("c", clusterName).mapTo(String.class).list());
    }

    /** Records the account, replacing what an account of that name on that machine left. */
    public void record(OsAccount account) {
        jdbi.useTransaction(handle -> {
            handle.execute("DELETE FROM os_account WHERE hostaddr = ? AND name = ?", account.hostaddr(),
                    account.name());
            handle.execute("INSERT INTO os_account (hostaddr, name, cluster_name, job_id) VALUES (?, ?, ?, ?)",
                    account.hostaddr(), account.name(), account.clusterName(), account.jobId());
        });
    }

    public void delete(String hostaddr, String name) {
        jdbi.useHandle(handle -> handle.execute("DELETE FROM os_account WHERE hostaddr = ? AND name = ?",
                hostaddr, name));
    }

    /** The accounts made for the cluster, on every machine, by machine. */
    public List<OsAccount> ofCluster(String clusterName) {
        return jdbi.withHandle(handle -> handle.createQuery(
                        "SELECT * FROM os_account WHERE cluster_name = :c ORDER BY hostaddr, name")
                .bind("c", clusterName).map(OsAccountTable::account).list());
    }

    /** How many instances, on any machine, run as the account. */
    public int instancesRunningAs(String name) {
        return jdbi.withHandle(handle -> handle.createQuery("SELECT COUNT(*) FROM instance WHERE os_account = :n")
                .bind("n", name).mapTo(Integer.class).one());
    }

    /** How many instances on the machine run as the account. */
    public int instancesRunningAs(String hostaddr, String name) {
        return jdbi.withHandle(handle -> handle.createQuery(
                        "SELECT COUNT(*) FROM instance WHERE hostaddr = :h AND os_account = :n")
                .bind("h", hostaddr).bind("n", name).mapTo(Integer.class).one());
    }
}
