package io.kunlun.core.backup;

import io.kunlun.core.hosts.HostAccess;

import java.util.List;
import java.util.Optional;

/**
 * Where backups are kept, one directory per cluster and per backup, each with its manifest. The
 * store is all a restore reads, so a restore works after the source cluster is gone. A
 * directory on a machine is the one kind today; an object store would be another implementation
 * (its streams would land on a staging machine and be uploaded from there).
 */
public interface BackupStore {
    /** Where the store is, as messages name it: {@code hostaddr:/path}. */
    String location();

    /** Fails, naming the store, unless a backup could be written into it now. No side effect. */
    void requireWritable();

    /** Whether the cluster already has a backup of that id (complete or not). */
    boolean exists(String cluster, String backupId);

    /** Creates the backup's empty directory, private to the manager's account, marked as the job's. */
    void create(String cluster, String backupId, String jobId);

    /** The machine a stream into the backup is written on, and the file it is written to. */
    StoreFile streamTarget(String cluster, String backupId, String relativePath);

    /** A file of a backup on the store's machine, for a stream to read it from there. */
    StoreFile file(String cluster, String backupId, String relativePath);

    /** The text of a small file of the backup (a comp's schema). */
    String read(String cluster, String backupId, String relativePath);

    /** Writes a small file of the backup and answers what was written. */
    StoredFile write(String cluster, String backupId, String relativePath, byte[] content);

    /** Reads a file of the backup back from the store: its size and SHA-256 as stored now. */
    StoredFile measure(String cluster, String backupId, String relativePath);

    /**
     * The first file of the backup whose size or SHA-256 in the store is not what the manifest
     * records, each file read back from the store; empty when every file is as recorded.
     */
    default Optional<Mismatch> firstMismatch(BackupManifest manifest) {
        for (StoredFile recorded : manifest.files()) {
            StoredFile stored = measure(manifest.cluster(), manifest.backupId(), recorded.path());
            if (!stored.equals(recorded)) {
                return Optional.of(new Mismatch(recorded, stored));
            }
        }
        return Optional.empty();
    }

    /** A file as the manifest records it and as the store holds it. */
    record Mismatch(StoredFile recorded, StoredFile stored) {
    }

    /** How many bytes the backup's files hold so far, for progress while streams arrive. */
    long bytesStored(String cluster, String backupId);

    /** Writes the manifest, last: from then on the backup is complete and listed. */
    void commit(BackupManifest manifest);

    /**
     * Deletes a backup the job made, complete or not; a directory another job made is left alone
     * and named in the failure. Nothing to delete is no error.
     */
    void discard(String cluster, String backupId, String jobId);

    /**
     * Deletes a complete backup: its directory goes only while it holds the manifest of that
     * cluster and id; otherwise the failure names what is there.
     */
    void delete(BackupManifest manifest);

    /** The complete backups, of every cluster or of one, oldest first. */
    List<BackupManifest> list(Optional<String> cluster);

    /** A file of the store on its machine, that a stream is written into or read from. */
    record StoreFile(HostAccess host, String file) {
    }
}
