package io.kunlun.core.monitor;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.kunlun.core.jobs.UndoAction;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Undo of a job's writes of Prometheus files (target files, the configuration): puts back, as it
 * was before the job, each file that still holds what the job wrote, removing the ones that did
 * not exist. A file another job wrote since is left as that job wrote it: it is the later view.
 * Prometheus watches target files and so goes back to the old targets by itself; a configuration
 * it was not reloaded with is the one it still runs. Runs under the lock every writer of these
 * files holds, so no write falls between its read and its restore.
 */
public final class RestorePrometheusFiles implements UndoAction<RestorePrometheusFiles.Before> {
    public static final String NAME = "restore-prometheus-files";

    /**
     * Each file's content before the job (null when it did not exist) and what the job wrote;
     * {@code written} is null in records of managers that did not record it: those restore all.
     */
    public record Before(@JsonProperty("directory") String directory,
                         @JsonProperty("files") Map<String, String> files,
                         @JsonProperty("written") Map<String, String> written) {
    }

    private final Object filesLock;

    /** {@code filesLock} is the lock the writers of the Prometheus files hold. */
    public RestorePrometheusFiles(Object filesLock) {
        this.filesLock = filesLock;
    }

    static Before capture(Path directory, Map<String, String> toWrite) {
        return new Before(directory.toString(), PrometheusFiles.read(directory, toWrite.keySet()), Map.copyOf(toWrite));
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Class<Before> payloadType() {
        return Before.class;
    }

    @Override
    public void undo(Before before) {
        Path directory = Path.of(before.directory());
        synchronized (filesLock) {
            Map<String, String> current = PrometheusFiles.read(directory, before.files().keySet());
            Map<String, String> existed = new HashMap<>();
            before.files().forEach((name, content) -> {
                if (before.written() != null && !Objects.equals(current.get(name), before.written().get(name))) {
                    return;
                }
                if (content == null) {
                    PrometheusFiles.delete(directory.resolve(name));
                } else {
                    existed.put(name, content);
                }
            });
            PrometheusFiles.write(directory, existed);
        }
    }
}
