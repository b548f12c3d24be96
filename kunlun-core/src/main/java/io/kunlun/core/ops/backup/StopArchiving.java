package io.kunlun.core.ops.backup;

import io.kunlun.core.backup.binlog.BinlogArchiving;
import io.kunlun.core.jobs.JobContext;
import io.kunlun.core.jobs.UndoAction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * Undo of starting to archive shards' binlogs: the archivers of the shards whose archive the job
 * made stop, and those directories go; a shard archived before the job is left as it was.
 */
public final class StopArchiving implements UndoAction<StopArchiving.Payload> {
    public static final String NAME = "stop-archiving";
    private static final Logger LOG = LoggerFactory.getLogger(StopArchiving.class);

    /** The shards the job started archiving. */
    public record Payload(String cluster, List<String> shards, String jobId) {
    }

    private final BinlogArchiving archiving;

    public StopArchiving(BinlogArchiving archiving) {
        this.archiving = archiving;
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
        for (String shard : payload.shards()) {
            archiving.discard(payload.cluster(), shard, payload.jobId());
        }
    }

    /**
     * Starts archiving the shards as part of a job, undone with it. Archiving that cannot start
     * now (a store that cannot reach the shards) does not fail the job: the manager's log says
     * why, and the keep-alive tries again every health round.
     */
    public static void startArchiving(BinlogArchiving archiving, String cluster, List<String> shards, JobContext context) {
        context.willDo(NAME, new Payload(cluster, shards, context.jobId()));
        try {
            archiving.start(cluster, shards, context.jobId());
        } catch (RuntimeException e) {
            warnNotStarted(cluster, e);
        }
    }

    /**
     * The part of {@link #startArchiving} that is undone with the job, for a run that starts the
     * archivers once it has {@linkplain JobContext#complete completed} (they need active
     * instances, which its last write makes): the shards' archive directories. What cannot be
     * made now does not fail the job, as in {@link #startArchiving}.
     */
    public static void prepareArchiving(BinlogArchiving archiving, String cluster, List<String> shards,
                                        JobContext context) {
        context.willDo(NAME, new Payload(cluster, shards, context.jobId()));
        try {
            archiving.prepare(cluster, shards, context.jobId());
        } catch (RuntimeException e) {
            warnNotStarted(cluster, e);
        }
    }

    /**
     * Starts the archivers of the shards {@link #prepareArchiving} prepared: work that needs no
     * undo and no job (the keep-alive starts what is not running every health round), so it may
     * follow the run's completion. An archiver that cannot start now is logged.
     */
    public static void startArchivers(BinlogArchiving archiving, String cluster, List<String> shards) {
        try {
            archiving.startArchivers(cluster, shards);
        } catch (RuntimeException e) {
            warnNotStarted(cluster, e);
        }
    }

    private static void warnNotStarted(String cluster, RuntimeException e) {
        LOG.warn("cluster {}: binlog archiving not started yet: {}", cluster, e.getMessage());
    }
}
