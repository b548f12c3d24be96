package io.kunlun.core.monitor;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.kunlun.core.jobs.UndoAction;

/**
 * Undo of a job that adds scrape targets to the metadata (an exporter started): once the job's
 * later undo records have taken its rows back, rewrites the written target files from the
 * metadata, so they name neither what the job added nor less than other jobs added meanwhile.
 * Recorded before the job's first change of the metadata, so that it runs after their undo.
 */
public final class RewriteTargetsFromMetadata implements UndoAction<RewriteTargetsFromMetadata.Targets> {
    public static final String NAME = "rewrite-prometheus-targets";

    /** The directory of the target files, for the record: the rewrite writes where targets are now kept. */
    public record Targets(@JsonProperty("directory") String directory) {
    }

    private final Runnable rewrite;

    /** {@code rewrite} writes the targets the metadata implies over the written target files. */
    public RewriteTargetsFromMetadata(Runnable rewrite) {
        this.rewrite = rewrite;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Class<Targets> payloadType() {
        return Targets.class;
    }

    @Override
    public void undo(Targets targets) {
        rewrite.run();
    }
}
