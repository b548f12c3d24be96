package io.kunlun.core.ops.backup;

import io.kunlun.core.engines.MarkedProcesses;
import io.kunlun.core.hosts.Hosts;
import io.kunlun.core.jobs.UndoAction;

/**
 * Undo of a backup stream's sending end on the source's machine: mariadb-backup and the
 * pipeline behind it, found by the marker that names the job ({@link MarkedProcesses}), are
 * stopped. A stream that ended already leaves nothing to stop. What matters after a manager was
 * killed mid-backup: nothing waits for the stream any more, yet it would go on reading the
 * instance and holding its state transfer port.
 */
public final class StopBackupStream implements UndoAction<StopBackupStream.Payload> {
    public static final String NAME = "stop-backup-stream";

    /** The source's machine and the marker its sending end carries. */
    public record Payload(String hostaddr, String marker) {
    }

    private final Hosts hosts;

    public StopBackupStream(Hosts hosts) {
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
        MarkedProcesses.stop(hosts.get(payload.hostaddr()), payload.marker());
    }
}
