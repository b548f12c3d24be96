package io.kunlun.core.backup;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.kunlun.core.ManagerException;
import io.kunlun.core.hosts.Command;
import io.kunlun.core.hosts.CommandResult;
import io.kunlun.core.config.BackupConfig;
import io.kunlun.core.hosts.HostAccess;
import io.kunlun.core.hosts.Hosts;
import io.kunlun.core.hosts.Sha256Shell;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The backup store as a directory on a machine: {@code <path>/<cluster>/<backup id>/} holds the
 * shards' streams ({@code <shard>/backup.xbstream[.zst]}), the comps' schema dumps
 * ({@code <comp>/schema.sql}, {@code <comp>/roles.sql}), {@code manifest.json}, and
 * {@code .kunlun-job}, the id of the job that made the directory. Everything is written by the
 * manager's account there, with mode 0700 for directories and 0600 for files: a backup holds the
 * clusters' password hashes.
 *
 * <p>The copies restore_cluster keeps of the data it replaces are laid out the same way, one
 * level down: {@code <path>/<cluster>/replaced/<id>/} ({@link #keptAside()}). They are no
 * backups of the cluster (not listed, never chosen by a restore) until an operator moves one up
 * beside the backups, which makes it one.
 */
public final class DirectoryBackupStore implements BackupStore {
    static final String MANIFEST = "manifest.json";
    static final String JOB_MARKER = ".kunlun-job";
    /** The directory under a cluster's that holds the copies restore_cluster kept aside. */
    static final String KEPT_ASIDE = "replaced";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Hosts hosts;
    private final String hostaddr;
    private final String path;
    /** Empty for backups; {@link #KEPT_ASIDE} for the copies of replaced data. */
    private final String area;

    public DirectoryBackupStore(Hosts hosts, String hostaddr, String path) {
        this(hosts, hostaddr, path, "");
    }

    private DirectoryBackupStore(Hosts hosts, String hostaddr, String path, String area) {
        this.hosts = hosts;
        this.hostaddr = hostaddr;
        this.path = path;
        this.area = area;
    }

    /**
     * The same store's place for the copies of data that restore_cluster replaced, each one
     * written, verified and described by its manifest exactly like a backup.
     */
    public DirectoryBackupStore keptAside() {
        return new DirectoryBackupStore(hosts, hostaddr, path, KEPT_ASIDE);
    }

    /** The store the configuration names. */
    public static DirectoryBackupStore configured(BackupConfig config, Hosts hosts) {
        return new DirectoryBackupStore(hosts, config.hostaddr(), config.path());
    }

    public String hostaddr() {
        return hostaddr;
    }

    public String path() {
        return path;
    }

    @Override
    public String location() {
        return hostaddr + ":" + path;
    }

    /**
     * A directory that does not exist yet is writable when the directory it would be made in is.
     * The path must also be safe from other accounts ({@link StorePath}).
     */
    @Override
    public void requireWritable() {
        StorePath.requireSafe(host(), location(), path);
        CommandResult writable = host().run(Command.of("sh", "-c", "if [ -e \"$1\" ]; then test -d \"$1\" -a -w \"$1\";"
                + " else parent=$(dirname -- \"$1\"); test -d \"$parent\" -a -w \"$parent\"; fi", "sh", path));
        if (!writable.succeeded()) {
            throw ManagerException.refused("backup store " + location() + " is not a writable directory");
        }
    }

    /** Where one backup (or kept-aside copy) is, as messages name it: {@code hostaddr:/path/cluster/id}. */
    public String location(String cluster, String backupId) {
        return hostaddr + ":" + directory(cluster, backupId);
    }

    /**
     * The bytes the store's file system has free for the manager's account, read at the store's
     * directory or, before it exists, at the nearest directory above it.
     */
    public long freeBytes() {
        return Long.parseLong(host().check(Command.of("sh", "-c", "d=\"$1\"; while [ ! -e \"$d\" ]; do"
                + " d=$(dirname -- \"$d\"); done; df -P -B1 -- \"$d\" | awk 'NR == 2 { print $4 }'", "sh", path))
                .stdout().strip());
    }

    @Override
    public boolean exists(String cluster, String backupId) {
        return host().exists(directory(cluster, backupId));
    }

    /**
     * The store's and the cluster's directories are made when missing; the backup's directory
     * must not exist yet, so that a directory is only ever marked by the job that made it.
     */
    @Override
    public void create(String cluster, String backupId, String jobId) {
        host().check(Command.of("sh", "-c", "umask 077 && mkdir -p -- \"$(dirname -- \"$1\")\" && mkdir -- \"$1\""
                        + " && printf '%s\\n' \"$2\" > \"$1/" + JOB_MARKER + "\"", "sh", directory(cluster, backupId),
                jobId));
    }

    @Override
    public StoreFile streamTarget(String cluster, String backupId, String relativePath) {
        StoreFile target = file(cluster, backupId, relativePath);
        host().check(Command.of("sh", "-c", "umask 077 && mkdir -p -- \"$(dirname -- \"$1\")\"", "sh", target.file()));
        return target;
    }

    @Override
    public StoreFile file(String cluster, String backupId, String relativePath) {
        return new StoreFile(host(), directory(cluster, backupId) + "/" + relativePath);
    }

    @Override
    public String read(String cluster, String backupId, String relativePath) {
        return host().readFile(file(cluster, backupId, relativePath).file());
    }

    @Override
    public StoredFile write(String cluster, String backupId, String relativePath, byte[] content) {
        String file = streamTarget(cluster, backupId, relativePath).file();
        host().check(Command.of("sh", "-c", "umask 077 && cat > \"$1\"", "sh", file).withStdin(content));
        return measure(cluster, backupId, relativePath);
    }

    @Override
    public StoredFile measure(String cluster, String backupId, String relativePath) {
        String file = directory(cluster, backupId) + "/" + relativePath;
        List<String> lines = host().check(Command.of("sh", "-c", Sha256Shell.FUNCTION + "stat -c %s -- \"$1\" && sha256 \"$1\"", "sh",
                file).withTimeout(Command.DEFAULT_TIMEOUT.multipliedBy(60))).stdout().lines().toList();
        return new StoredFile(relativePath, Long.parseLong(lines.get(0).strip()), lines.get(1).split("\\s+")[0]);
    }

    @Override
    public long bytesStored(String cluster, String backupId) {
        return Long.parseLong(host().check(Command.of("du", "-s", "-b", "--", directory(cluster, backupId))).stdout()
                .strip().split("\\s+")[0]);
    }

    @Override
    public void commit(BackupManifest manifest) {
        String file = directory(manifest.cluster(), manifest.backupId()) + "/" + MANIFEST;
        try {
            host().check(Command.of("sh", "-c", "umask 077 && cat > \"$1.tmp\" && mv -f -- \"$1.tmp\" \"$1\"", "sh", file)
                    .withStdin(JSON.writeValueAsBytes(manifest)));
        } catch (JsonProcessingException e) {
            throw new ManagerException(ManagerException.Code.INTERNAL, "cannot write the manifest of backup "
                    + manifest.backupId() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Deletes the backup's directory when its marker names the job, or when it is empty (a crash
     * between making it and marking it); then the directories above it up to the cluster's, each
     * if that left it empty.
     */
    @Override
    public void discard(String cluster, String backupId, String jobId) {
        discard(cluster, backupId, jobId, false);
    }

    /**
     * As {@link #discard(String, String, String)}, but a complete copy (its manifest written) is
     * kept: the undo of a copy of replaced data, which must outlive a restore that went wrong
     * after it began to overwrite.
     */
    public void discardIncomplete(String cluster, String backupId, String jobId) {
        discard(cluster, backupId, jobId, true);
    }

    private void discard(String cluster, String backupId, String jobId, boolean keepComplete) {
        String directory = directory(cluster, backupId);
        CommandResult discarded = host().run(Command.of("sh", "-c", "[ -e \"$1\" ] || exit 0;"
                        + (keepComplete ? " [ -e \"$1/" + MANIFEST + "\" ] && exit 0;" : "")
                        + " if [ \"$(cat -- \"$1/" + JOB_MARKER + "\" 2>/dev/null)\" = \"$2\" ] || [ -z \"$(ls -A -- \"$1\")\" ];"
                        + " then rm -rf -- \"$1\" && { rmdir -- \"$(dirname -- \"$1\")\" \"$3\" 2>/dev/null; exit 0; };"
                        + " else echo \"it was not made by job $2\" >&2; exit 3; fi", "sh", directory, jobId,
                path + "/" + cluster).withTimeout(Command.DEFAULT_TIMEOUT.multipliedBy(10)));
        if (!discarded.succeeded()) {
            throw new ManagerException(ManagerException.Code.COMMAND_FAILED, "cannot delete the partial backup "
                    + hostaddr + ":" + directory + ": " + discarded.stderr().strip());
        }
    }

    @Override
    public void delete(BackupManifest manifest) {
        String directory = directory(manifest.cluster(), manifest.backupId());
        BackupManifest found = read(directory + "/" + MANIFEST);
        if (!found.cluster().equals(manifest.cluster()) || !found.backupId().equals(manifest.backupId())) {
            throw ManagerException.refused(location() + "/" + manifest.cluster() + "/" + manifest.backupId()
                    + " holds the manifest of backup " + found.backupId() + " of cluster " + found.cluster());
        }
        // The manifest goes first: a deletion cut off half-way leaves an incomplete backup, never read.
        host().check(Command.of("sh", "-c", "rm -f -- \"$1/" + MANIFEST + "\" && rm -rf -- \"$1\"", "sh", directory)
                .withTimeout(Command.DEFAULT_TIMEOUT.multipliedBy(10)));
    }

    @Override
    public List<BackupManifest> list(Optional<String> cluster) {
        if (!host().exists(path)) {
            return List.of();
        }
        String pattern = directory(cluster.orElse("*"), "*") + "/" + MANIFEST;
        String depth = String.valueOf(pattern.substring(path.length()).chars().filter(c -> c == '/').count());
        List<BackupManifest> manifests = new ArrayList<>();
        for (String file : host().check(Command.of("find", path, "-mindepth", depth, "-maxdepth", depth, "-type", "f",
                "-path", pattern)).stdout().lines().toList()) {
            manifests.add(read(file));
        }
        manifests.sort(Comparator.comparing(BackupManifest::consistentAt).thenComparing(BackupManifest::cluster));
        return manifests;
    }

    private BackupManifest read(String file) {
        String text = host().readFile(file);
        try {
            return JSON.readValue(text.getBytes(StandardCharsets.UTF_8), BackupManifest.class);
        } catch (java.io.IOException e) {
            throw new ManagerException(ManagerException.Code.COMMAND_FAILED, hostaddr + ":" + file
                    + " is not a backup manifest: " + e.getMessage());
        }
    }

    private HostAccess host() {
        return hosts.get(hostaddr);
    }

    private String directory(String cluster, String backupId) {
        return path + "/" + cluster + "/" + (area.isEmpty() ? "" : area + "/") + backupId;
    }
}
