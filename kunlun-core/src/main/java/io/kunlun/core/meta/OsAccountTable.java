package io.kunlun.core.meta;

import org.jdbi.v3.core.Jdbi;

import java.util.List;
import java.util.Optional;

/**
 * The operating-system accounts the manager made for clusters on machines: only these does it
 * ever delete, and only once no instance on their machine runs as them.
 */
public final class OsAccountTable {
    private final Jdbi jdbi;

    OsAccountTable(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /** Account {@code name} on {@code hostaddr}, made for {@code clusterName} by job {@code jobId}. */
    public record OsAccount(String hostaddr, String name, String clusterName, String jobId) {
    }

    public Optional<OsAccount> find(String hostaddr, String name) {
        return jdbi.withHandle(handle -> handle.createQuery(
                        "SELECT * FROM os_account WHERE hostaddr = :h AND name = :n")
                .bind("h", hostaddr).bind("n", name).map((rs, ctx) -> new OsAccount(rs.getString("hostaddr"),
                        rs.getString("name"), rs.getString("cluster_name"), rs.getString("job_id")))
                .findOne());
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

    /** How many instances on the machine run as the account. */
    public int instancesRunningAs(String hostaddr, String name) {
        return jdbi.withHandle(handle -> handle.createQuery(
                        "SELECT COUNT(*) FROM instance WHERE hostaddr = :h AND os_account = :n")
                .bind("h", hostaddr).bind("n", name).mapTo(Integer.class).one());
    }
}
