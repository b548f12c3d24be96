package io.kunlun.core.monitor;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.kunlun.core.jobs.UndoAction;

import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * Undo of update_prometheus's writes: puts the target files and the configuration back as they
 * were, removing the ones that did not exist. Prometheus watches target files and so goes back to
 * the old targets by itself; a configuration it was not reloaded with is the one it still runs.
 */
public final class RestorePrometheusFiles implements UndoAction<RestorePrometheusFiles.Before> {
    public static final String NAME = "restore-prometheus-files";

    /** Each file's content before the job, null when it did not exist. */
    public record Before(@JsonProperty("directory") String directory,
                         @JsonProperty("files") Map<String, String> files) {
    }

    static Before capture(Path directory, Collection<String> names) {
        return new Before(directory.toString(), PrometheusFiles.read(directory, names));
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
        Map<String, String> existed = new HashMap<>();
        before.files().forEach((name, content) -> {
            if (content == null) {
                PrometheusFiles.delete(directory.resolve(name));
            } else {
                existed.put(name, content);
            }
        });
        PrometheusFiles.write(directory, existed);
    }
}
