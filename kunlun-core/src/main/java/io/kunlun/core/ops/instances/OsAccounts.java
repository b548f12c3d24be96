package io.kunlun.core.ops.instances;

import io.kunlun.core.ManagerException;
import io.kunlun.core.engines.InstanceAccount;
import io.kunlun.core.hosts.Command;
import io.kunlun.core.hosts.CommandResult;
import io.kunlun.core.hosts.HostAccess;
import io.kunlun.core.hosts.Hosts;
import io.kunlun.core.jobs.JobContext;
import io.kunlun.core.meta.MetadataStore;
import io.kunlun.core.meta.OsAccountTable.OsAccount;
import io.kunlun.model.Instance;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The operating-system account of each cluster on each machine it uses: its instances (and their
 * exporters) run as it, their directories are its own (0700), so another cluster's account can
 * read none of them. The first job that places the cluster on a machine makes the account, the
 * removal of the cluster's last instance there deletes it; the manager deletes only accounts the
 * metadata says it made for that cluster.
 *
 * <p>Making an account needs root. On a machine the manager reaches as another user, every
 * cluster's instances run as that user, shared (the instance's account is then empty), and the
 * planning says so in the manager's log: an installation without root still works, unisolated.
 */
public final class OsAccounts {
    private static final Logger LOG = LoggerFactory.getLogger(OsAccounts.class);
    private static final String PREFIX = "kunlun_c";
    /** userdel: the account does not exist; a process still runs as it. */
    private static final int NO_SUCH_ACCOUNT = 6;
    private static final int ACCOUNT_IN_USE = 8;
    private static final Duration SHORT_LIVED_WAIT = Duration.ofSeconds(15);
    private static final Duration RETRY_EVERY = Duration.ofMillis(250);

    private final MetadataStore store;
    private final Hosts hosts;

    public OsAccounts(MetadataStore store, Hosts hosts) {
        this.store = store;
        this.hosts = hosts;
    }

    /**
     * The account name of a cluster of the installation: {@code kunlun_c} and 16 hexadecimal
     * digits of the SHA-256 of the installation's identity and the cluster's name. The name alone
     * identifies a cluster only within its installation (two installations, or a test suite's
     * many managers, may share machines and cluster names), and it may be 64 characters of any
     * kind where an account name is at most 32 of few.
     */
    public static String nameFor(String installation, String clusterName) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest((installation + "/" + clusterName).getBytes(StandardCharsets.UTF_8));
            return PREFIX + HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /**
     * The account the cluster's new instances on the machine will run as: the cluster's own where
     * the manager is root, else empty (the manager's own account, shared), with a warning. A
     * cluster that has instances already keeps their account for new ones: a member that receives
     * its data from another (a Galera state transfer) lets in only the account its source let in.
     * (The account of a cluster made before accounts were named after the installation keeps its
     * old name this way.)
     */
    String plannedFor(String clusterName, String hostaddr) {
        List<String> current = store.clusters().instances(clusterName).stream().map(Instance::osAccount)
                .distinct().toList();
        if (current.contains("")) {
            return "";
        }
        if (hosts.get(hostaddr).check(Command.of("id", "-u")).stdout().strip().equals("0")) {
            return current.isEmpty() ? nameFor(store.osAccounts().installation(), clusterName) : current.get(0);
        }
        LOG.warn("{}: the manager is not root there, so cluster {}'s instances run as the manager's own account,"
                + " shared with every other cluster on that machine", hostaddr, clusterName);
        return "";
    }

    /**
     * Makes sure the instance's account exists on its machine before the instance is registered:
     * makes it (recording first how to delete it) unless the manager made it for the cluster
     * already. Refuses an account of that name that the manager did not make for this cluster.
     * An account found on the machine that the manager made for the cluster on another address
     * is that same account (addresses of one machine, or one account directory shared by
     * machines): recorded for this address too, made by this job.
     */
    void ensure(JobContext context, Instance instance) {
        String name = instance.osAccount();
        if (name.isEmpty()) {
            return;
        }
        String hostaddr = instance.hostaddr();
        String cluster = instance.clusterName();
        Optional<OsAccount> recorded = store.osAccounts().find(hostaddr, name);
        if (recorded.isPresent() && !recorded.get().clusterName().equals(cluster)) {
            throw ManagerException.refused(hostaddr + ": the account " + name + " was made for cluster "
                    + recorded.get().clusterName() + ", not for cluster " + cluster);
        }
        HostAccess host = hosts.get(hostaddr);
        boolean exists = host.run(Command.of("id", "-u", "--", name)).succeeded();
        if (exists && recorded.isPresent()) {
            return;
        }
        if (exists && store.osAccounts().hostsOf(name, cluster).isEmpty()) {
            throw ManagerException.refused(hostaddr + ": the account " + name + " exists already and the manager did"
                    + " not make it for cluster " + cluster + "; refusing to run the cluster's instances as it"
                    + " (delete it with: userdel " + name + ")");
        }
        OsAccount made = new OsAccount(hostaddr, name, cluster, context.jobId());
        context.willDo(RemoveOsAccount.NAME, made);
        if (!exists) {
            host.check(Command.of("useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent",
                    "--shell", "/usr/sbin/nologin", "--", name));
        }
        store.osAccounts().record(made);
    }

    /**
     * Deletes the account from the machine once no instance there runs as it, if the manager made
     * it for the cluster; nothing otherwise. An account a process still runs as is waited for, up
     * to {@link #SHORT_LIVED_WAIT}, when no instance anywhere runs as it any more: that process is
     * short-lived (a health probe's client, a command of the job that just stopped the servers),
     * and the account, whose last instance is gone, would otherwise stay for ever. While an
     * instance of the cluster still runs as it elsewhere, the process may be that instance (another
     * address of the same machine): the account stays, and so does its record, for the removal of
     * those instances, or the cluster's deletion ({@link #releaseAllOf}), to delete it.
     */
    void release(String hostaddr, String name) {
        if (name.isEmpty() || store.osAccounts().find(hostaddr, name).isEmpty()
                || store.osAccounts().instancesRunningAs(hostaddr, name) > 0) {
            return;
        }
        HostAccess host = hosts.get(hostaddr);
        CommandResult deleted = host.run(Command.of("userdel", "--", name));
        if (deleted.exitCode() == ACCOUNT_IN_USE && store.osAccounts().instancesRunningAs(name) == 0) {
            long deadline = System.nanoTime() + SHORT_LIVED_WAIT.toNanos();
            while (deleted.exitCode() == ACCOUNT_IN_USE && System.nanoTime() < deadline) {
                pause();
                deleted = host.run(Command.of("userdel", "--", name));
            }
        }
        if (deleted.exitCode() == ACCOUNT_IN_USE) {
            LOG.info("{}: kept the account {}: a process still runs as it ({})", hostaddr, name,
                    deleted.stderr().strip());
            return;
        }
        if (!deleted.succeeded() && deleted.exitCode() != NO_SUCH_ACCOUNT) {
            throw new ManagerException(ManagerException.Code.COMMAND_FAILED, hostaddr + ": cannot delete the account "
                    + name + " (userdel exit " + deleted.exitCode() + "): " + deleted.stderr().strip());
        }
        InstanceAccount.forget(host, name);
        store.osAccounts().delete(hostaddr, name);
    }

    /**
     * Once the cluster's last instance is gone: deletes every account made for it that an
     * earlier removal kept (a process still ran as it then), on every machine.
     */
    public void releaseAllOf(String clusterName) {
        store.osAccounts().ofCluster(clusterName).forEach(account -> release(account.hostaddr(), account.name()));
    }

    private static void pause() {
        try {
            Thread.sleep(RETRY_EVERY.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ManagerException(ManagerException.Code.COMMAND_FAILED, "interrupted while waiting to delete an account");
        }
    }
}
