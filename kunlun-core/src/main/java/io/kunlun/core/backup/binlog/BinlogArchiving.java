package io.kunlun.core.backup.binlog;

import io.kunlun.core.ManagerException;
import io.kunlun.core.engines.DetachedProcess;
import io.kunlun.core.engines.InstanceAccount;
import io.kunlun.core.engines.ProcessTable;
import io.kunlun.core.engines.SqlClient;
import io.kunlun.core.engines.SqlText;
import io.kunlun.core.engines.StorageNode;
import io.kunlun.core.hosts.Command;
import io.kunlun.core.hosts.CommandResult;
import io.kunlun.core.hosts.HostAccess;
import io.kunlun.core.hosts.Hosts;
import io.kunlun.core.meta.MetadataStore;
import io.kunlun.core.ops.Drivers;
import io.kunlun.core.ops.Names;
import io.kunlun.model.Cluster;
import io.kunlun.model.HaMode;
import io.kunlun.model.Instance;
import io.kunlun.model.InstanceKind;
import io.kunlun.model.InstanceStatus;
import io.kunlun.model.Role;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Continuous archiving of every shard's binary log into the backup store: one
 * {@code mariadb-binlog --read-from-remote-server --raw --stop-never} per shard, run on the
 * store's machine against the shard's primary (for mgr, one active member: every member logs
 * every transaction, as log_slave_updates is on), logging in as the cluster's archive account
 * (REPLICATION SLAVE and BINLOG MONITOR only) from a defaults file of mode 0600.
 *
 * <p>A shard is archived while its directory exists in the store and the shard exists in the
 * metadata; {@link #keepAlive()} (called by the health monitor every round) starts an archiver
 * that died, and one against the new primary after a switchover. A restarted archiver fetches
 * again the last file it had (it may be partial) and continues from there; one against a server
 * the shard never archived from starts at that server's first binary log. Nothing is kept in
 * memory between calls but a lock per shard, so that two callers never start two archivers.
 */
public final class BinlogArchiving {
    private static final Logger LOG = LoggerFactory.getLogger(BinlogArchiving.class);
    /** The archive account's name on every shard of every cluster. */
    static final String ACCOUNT = "kunlun_archive";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration STOP_GRACE = Duration.ofSeconds(5);

    private final MetadataStore store;
    private final Drivers drivers;
    private final BinlogArchive archive;
    private final Map<String, Object> shardLocks = new ConcurrentHashMap<>();
    /** Shards whose archiver failed to start, with when to try again: the wait doubles up to a bound. */
    private final Map<String, Retry> retries = new ConcurrentHashMap<>();
    private static final Duration FIRST_RETRY = Duration.ofSeconds(5);
    private static final Duration LAST_RETRY = Duration.ofMinutes(5);

    private record Retry(Instant after, Duration interval) {
    }

    /** The last lag measured of each archived shard, by cluster then shard. */
    private final Map<String, Map<String, Long>> lagBytes = new ConcurrentHashMap<>();

    public BinlogArchiving(MetadataStore store, Drivers drivers, BinlogArchive archive) {
        this.store = store;
        this.drivers = drivers;
        this.archive = archive;
    }

    /** The store's archive, for readers (list_backups, replay, metrics). */
    public BinlogArchive archive() {
        return archive;
    }

    /**
     * Starts archiving the shards: {@link #prepare} then {@link #startArchivers}. A shard whose
     * archiver cannot start now fails the call, naming the shard and the archiver's log; the
     * caller decides whether that fails its job.
     */
    public void start(String cluster, List<String> shards, String jobId) {
        prepare(cluster, shards, jobId);
        startArchivers(cluster, shards);
    }

    /**
     * Makes the shards' directories, marked as the job's unless they exist: from then on the
     * shards are archived, their archivers started by {@link #keepAlive()} when nothing else
     * starts them, until {@link #discard}.
     */
    public void prepare(String cluster, List<String> shards, String jobId) {
        HostAccess host = archive.host();
        archive.requireSafePath();
        for (String shard : shards) {
            host.check(Command.of("sh", "-c", "umask 077 && mkdir -p -- \"$1\" && { [ -e \"$2\" ] || { mkdir -- \"$2\""
                            + " && printf '%s\\n' \"$3\" > \"$2/" + BinlogArchive.JOB_MARKER + "\"; }; }", "sh",
                    archive.clusterDirectory(cluster), archive.shardDirectory(cluster, shard), jobId));
        }
    }

    /**
     * Starts now the archivers of those of the shards whose directory {@link #prepare} made (a
     * shard without one is not archived). A shard whose archiver cannot start fails the call, as
     * in {@link #start}.
     */
    public void startArchivers(String cluster, List<String> shards) {
        Cluster found = store.clusters().requireCluster(cluster);
        List<String> archived = archive.shards(cluster);
        for (String shard : shards) {
            if (archived.contains(shard)) {
                keepArchiving(found, shard, Optional.empty());
            }
        }
    }

    /**
     * Stops the shard's archiver and removes its directory when the job made it (undo of
     * {@link #start}); a shard archived before the job is left as it is.
     */
    public void discard(String cluster, String shard, String jobId) {
        String directory = archive.shardDirectory(cluster, shard);
        CommandResult marker = archive.host().run(Command.of("cat", "--", directory + "/" + BinlogArchive.JOB_MARKER));
        if (!marker.succeeded() || !marker.stdout().strip().equals(jobId)) {
            return;
        }
        stop(cluster, shard);
        archive.host().check(Command.of("sh", "-c", "[ -e \"$1\" ] || exit 0;"
                + " if [ \"$(cat -- \"$1/" + BinlogArchive.JOB_MARKER + "\" 2>/dev/null)\" = \"$2\" ];"
                + " then rm -rf -- \"$1\"; fi;"
                // With no shard archived any more, the login file goes with the cluster's archive directory.
                + " if [ -z \"$(find \"$3\" -mindepth 1 -maxdepth 1 -type d)\" ];"
                + " then rm -f -- \"$3/" + BinlogArchive.DEFAULTS_FILE + "\"; rmdir -- \"$3\" 2>/dev/null; fi; exit 0",
                "sh", directory, jobId, archive.clusterDirectory(cluster)));
    }

    /** Stops the shard's archiver, whatever server it reads from; its files stay. */
    public void stop(String cluster, String shard) {
        synchronized (lock(cluster, shard)) {
            Optional.ofNullable(lagBytes.get(cluster)).ifPresent(shards -> shards.remove(shard));
            DetachedProcess.killCommandsIn(archive.host(), "binlog archiver of cluster " + cluster + " " + shard,
                    List.of(archive.shardDirectory(cluster, shard)));
        }
    }

    /** Stops every archiver of the cluster; the files stay. */
    public void stopAll(String cluster) {
        for (String shard : archive.shards(cluster)) {
            stop(cluster, shard);
        }
    }

    /**
     * One round: every shard of every cluster that has an archive gets a running archiver
     * against its current primary, and its lag measured. A shard that cannot be archived now is
     * logged and tried again after a wait that doubles from 5 s up to 5 min.
     */
    public void keepAlive() {
        List<Cluster> clusters = store.clusters().listClusters();
        forgetDeparted(clusters);
        Map<String, List<String>> archivedShards = archive.shardsByCluster();
        if (archivedShards.isEmpty()) {
            return;
        }
        ProcessTable running = ProcessTable.of(archive.host());
        for (Cluster cluster : clusters) {
            List<String> archived = archivedShards.getOrDefault(cluster.name(), List.of());
            if (archived.isEmpty()) {
                continue;
            }
            for (String shard : store.clusters().shards(cluster.name())) {
                if (!archived.contains(shard)) {
                    continue;
                }
                String key = cluster.name() + "/" + shard;
                Retry retry = retries.get(key);
                if (retry != null && Instant.now().isBefore(retry.after())) {
                    continue;
                }
                try {
                    keepArchiving(cluster, shard, Optional.of(running));
                    retries.remove(key);
                    measureLag(cluster, shard);
                } catch (RuntimeException e) {
                    Duration wait = retry == null ? FIRST_RETRY : min(retry.interval().multipliedBy(2), LAST_RETRY);
                    retries.put(key, new Retry(Instant.now().plus(wait), wait));
                    LOG.warn("binlog archive of cluster {} {} (next try in {} s): {}", cluster.name(), shard,
                            wait.toSeconds(), e.getMessage());
                }
            }
        }
    }

    /**
     * How many bytes of the primary's binary log the archive lacks, as last measured (each
     * health round), by cluster then shard: a copy, the shards of clusters that exist.
     */
    public Map<String, Map<String, Long>> lagBytes() {
        Map<String, Map<String, Long>> copy = new TreeMap<>();
        lagBytes.forEach((cluster, shards) -> copy.put(cluster, new TreeMap<>(shards)));
        return copy;
    }

    /**
     * The primary's binlog files (SHOW BINARY LOGS) against the archived ones of that server: the
     * bytes of every file newer than the newest archived one, and what the newest lacks.
     */
    private void measureLag(Cluster cluster, String shard) {
        Optional<Instance> source = source(cluster, shard);
        if (source.isEmpty()) {
            return;
        }
        StorageNode node = drivers.storageNode(source.get());
        String directory = archive.sourceDirectory(cluster.name(), shard, source.get().hostaddr(), source.get().port());
        List<BinlogArchive.FileVersion> archived = archive.fileVersions(directory);
        BinlogArchive.FileVersion last = archived.isEmpty() ? null : archived.get(archived.size() - 1);
        long newest = last == null ? -1 : BinlogArchive.number(last.name());
        long archivedBytes = last == null ? 0 : last.size();
        long lag = 0;
        for (List<String> log : drivers.storage(node.host().address()).client(node).rows("SHOW BINARY LOGS;")) {
            long number = BinlogArchive.number(log.get(0));
            long size = Long.parseLong(log.get(1));
            if (number > newest) {
                lag += size;
            } else if (number == newest) {
                lag += Math.max(0, size - archivedBytes);
            }
        }
        lagBytes.computeIfAbsent(cluster.name(), name -> new ConcurrentHashMap<>()).put(shard, lag);
    }

    /** Forgets the lag and retries of clusters that no longer exist. */
    private void forgetDeparted(List<Cluster> clusters) {
        List<String> names = clusters.stream().map(Cluster::name).toList();
        lagBytes.keySet().retainAll(names);
        retries.keySet().removeIf(key -> !names.contains(key.substring(0, key.indexOf('/'))));
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** The node the shard's binlog is read from now, if one is active. */
    public Optional<Instance> source(Cluster cluster, String shard) {
        List<Instance> nodes = store.clusters().instances(cluster.name()).stream()
                .filter(instance -> instance.kind() == InstanceKind.STORAGE
                        && instance.shardName().orElseThrow().equals(shard)
                        && instance.status() == InstanceStatus.ACTIVE)
                .sorted(Comparator.comparing(Instance::hostaddr).thenComparing(Instance::port)).toList();
        if (cluster.spec().haMode() == HaMode.MGR) {
            // Any member will do: stay with the one archived from while it is active.
            return nodes.stream().filter(node -> process(cluster.name(), shard, node).isRunning()).findFirst()
                    .or(() -> nodes.stream().findFirst());
        }
        return nodes.stream().filter(node -> node.role().orElse(Role.PRIMARY) == Role.PRIMARY).findFirst();
    }

    private void keepArchiving(Cluster cluster, String shard, Optional<ProcessTable> listedThisRound) {
        synchronized (lock(cluster.name(), shard)) {
            Instance source = source(cluster, shard).orElseThrow(() -> ManagerException.refused(
                    shard + " of cluster " + cluster.name() + " has no active primary to archive the binlog from"));
            DetachedProcess archiver = process(cluster.name(), shard, source);
            // Found in the round's listing, it runs; not found, it is looked for again: a job may have started it since.
            if (listedThisRound.map(archiver::isRunningIn).orElse(false) || archiver.isRunning()) {
                return;
            }
            // An archiver of another server (the primary before a switchover) stops first.
            DetachedProcess.killCommandsIn(archive.host(), "binlog archiver of cluster " + cluster.name() + " " + shard,
                    List.of(archive.shardDirectory(cluster.name(), shard)));
            StorageNode node = drivers.storageNode(source);
            grantAccount(node, cluster.name());
            String directory = archive.sourceDirectory(cluster.name(), shard, source.hostaddr(), source.port());
            String first = firstFile(directory, node);
            archiver = process(cluster.name(), shard, source, first);
            String firstPath = directory + "/" + first;
            archiver.start(() -> archive.host().exists(firstPath), START_TIMEOUT);
            LOG.info("binlog archive of cluster {} {}: reading {} from {}", cluster.name(), shard, source.address(), first);
        }
    }

    /**
     * Where a (re)started archiver begins: the last file it had, fetched again from its start
     * (removed first: it may end in half an event), or the server's first binary log.
     */
    private String firstFile(String directory, StorageNode node) {
        HostAccess host = archive.host();
        host.check(Command.of("sh", "-c", "umask 077 && mkdir -p -- \"$1\"", "sh", directory));
        List<String> files = archive.fileNames(directory);
        if (!files.isEmpty()) {
            String last = files.get(files.size() - 1);
            host.check(Command.of("rm", "-f", "--", directory + "/" + last));
            return last;
        }
        List<List<String>> logs = drivers.storage(node.host().address()).client(node).rows("SHOW BINARY LOGS;");
        if (logs.isEmpty()) {
            throw new ManagerException(ManagerException.Code.COMMAND_FAILED, node.label() + ": has no binary log");
        }
        return logs.get(0).get(0);
    }

    private DetachedProcess process(String cluster, String shard, Instance source) {
        return process(cluster, shard, source, "");
    }

    /**
     * The archiver of one server: its identity is its result directory, so that it is found
     * again from ps alone. {@code firstFile} only matters when it is started.
     */
    private DetachedProcess process(String cluster, String shard, Instance source, String firstFile) {
        String directory = archive.sourceDirectory(cluster, shard, source.hostaddr(), source.port());
        String resultFile = "--result-file=" + directory + "/";
        List<String> argv = new ArrayList<>(List.of(archive.binlogProgram(),
                "--defaults-file=" + archive.clusterDirectory(cluster) + "/" + BinlogArchive.DEFAULTS_FILE,
                "--read-from-remote-server", "--host=" + source.hostaddr(), "--port=" + source.port(),
                "--protocol=TCP", "--raw", "--stop-never",
                resultFile));
        if (!firstFile.isEmpty()) {
            argv.add(firstFile);
        }
        return new DetachedProcess(archive.host(), InstanceAccount.manager(), "binlog archiver of cluster " + cluster
                + " " + shard, argv, resultFile, archive.shardDirectory(cluster, shard) + "/" + BinlogArchive.LOG_FILE,
                "TERM");
    }

    /** The password the archive account is given, and whether it was made just now. */
    private record Password(String text, boolean made) {
    }

    /**
     * The archive account's password, from its defaults file in the store (written once, mode
     * 0600, in a directory of mode 0700): the password is never on a command line, and the
     * archive keeps what it needs to go on after a manager restart.
     */
    private Password accountPassword(String cluster) {
        String file = archive.clusterDirectory(cluster) + "/" + BinlogArchive.DEFAULTS_FILE;
        HostAccess host = archive.host();
        boolean made = !host.exists(file);
        if (made) {
            host.check(Command.of("sh", "-c", "umask 077 && mkdir -p -- \"$(dirname -- \"$1\")\" && cat > \"$1.tmp\""
                    + " && mv -f -- \"$1.tmp\" \"$1\"", "sh", file).withStdin(("[client]\nuser=" + ACCOUNT
                    + "\npassword=" + Names.newPassword() + "\n").getBytes(StandardCharsets.UTF_8)));
        }
        return host.readFile(file).lines().filter(line -> line.startsWith("password=")).findFirst()
                .map(line -> new Password(line.substring("password=".length()), made))
                .orElseThrow(() -> new ManagerException(ManagerException.Code.COMMAND_FAILED, host.address() + ":"
                        + file + " has no password"));
    }

    /**
     * The archive account on the shard's primary, written to its binary log so that every
     * replica (and a replica promoted later) has it too. It is allowed from the address the
     * store's machine reaches the primary from (its route's source: a machine in another network
     * namespace or behind another interface sees neither loopback nor the store's hostaddr), all
     * of loopback when that is a loopback address. Only made
     * (or given the password again) when missing or when the defaults file was written just now:
     * each statement is a transaction in the shard's history, and an archiver that cannot start
     * is tried again every health round.
     */
    private void grantAccount(StorageNode primary, String cluster) {
        String source = archive.host().sourceAddressTo(primary.host().address());
        String from = Hosts.isLocal(source) ? "127.%" : source;
        SqlClient client = drivers.storage(primary.host().address()).client(primary);
        Password password = accountPassword(cluster);
        if (!password.made() && "1".equals(client.value("SELECT COUNT(*) FROM mysql.user WHERE User = "
                + SqlText.mysqlString(ACCOUNT) + " AND Host = " + SqlText.mysqlString(from) + ";"))) {
            return;
        }
        String account = SqlText.mysqlString(ACCOUNT) + "@" + SqlText.mysqlString(from);
        client.execute(
                "CREATE USER IF NOT EXISTS " + account + " IDENTIFIED BY " + SqlText.mysqlString(password.text()) + ";\n"
                        + "ALTER USER " + account + " IDENTIFIED BY " + SqlText.mysqlString(password.text()) + ";\n"
                        + "GRANT REPLICATION SLAVE, BINLOG MONITOR ON *.* TO " + account + ";\n");
    }

    private Object lock(String cluster, String shard) {
        return shardLocks.computeIfAbsent(cluster + "/" + shard, key -> new Object());
    }
}
