package io.kunlun.core.ops.backup;

import io.kunlun.core.backup.DirectoryBackupStore;
import io.kunlun.core.hosts.Hosts;
import io.kunlun.core.jobs.UndoAction;

/**
 * Undo of a backup's directory in the store: the directory goes with everything streamed into
 * it, if the job named made it. The store is named in the payload, so a configuration changed
 * before a restart still cleans the right machine. A copy restore_cluster keeps aside of the data
 * it replaces goes only while it is incomplete: once its manifest is written the restore begins
 * to overwrite, and from then on the copy is what an operator undoes a mistaken restore with.
 */
public final class DiscardBackup implements UndoAction<DiscardBackup.Payload> {
    public static final String NAME = "discard-backup";

    /**
     * The store's machine and directory, and the backup the job made there; {@code keptAside}
     * for a copy of replaced data ({@link DirectoryBackupStore#keptAside()}).
     */
    public record Payload(String hostaddr, String path, String cluster, String backupId, String jobId,
                          boolean keptAside) {
    }

    private final Hosts hosts;

    public DiscardBackup(Hosts hosts) {
        this.hosts = hosts;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Class<Payload> payloadType() {
        return Payload.class;
    }

    @Override
    public void undo(Payload payload) {
        DirectoryBackupStore store = new DirectoryBackupStore(hosts, payload.hostaddr(), payload.path());
        if (payload.keptAside()) {
            store.keptAside().discardIncomplete(payload.cluster(), payload.backupId(), payload.jobId());
        } else {
            store.discard(payload.cluster(), payload.backupId(), payload.jobId());
        }
    }
}
