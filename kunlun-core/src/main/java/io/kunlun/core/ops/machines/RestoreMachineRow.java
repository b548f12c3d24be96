package io.kunlun.core.ops.machines;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.kunlun.core.jobs.UndoAction;
import io.kunlun.core.meta.MetadataStore;
import io.kunlun.model.Machine;
import io.kunlun.model.PathSpace;

import java.util.List;

/**
 * Undo of the machine jobs: puts a machine's row back as it was before the job (absent when
 * {@code before} is null), so that a job that dies after its commit but before it ends is rolled
 * back like any other.
 */
public final class RestoreMachineRow implements UndoAction<RestoreMachineRow.Before> {
    public static final String NAME = "restore-machine-row";

    /** The machine as it was, or null when it was not registered. */
    public record Before(@JsonProperty("hostaddr") String hostaddr, @JsonProperty("machine") Machine machine,
                         @JsonProperty("spaces") List<PathSpace> spaces) {
    }

    private final MetadataStore store;

    public RestoreMachineRow(MetadataStore store) {
        this.store = store;
    }

    static Before capture(MetadataStore store, String hostaddr) {
        return store.machines().find(hostaddr)
                .map(machine -> new Before(hostaddr, machine, store.machines().spaces(hostaddr)))
                .orElseGet(() -> new Before(hostaddr, null, List.of()));
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
        if (before.machine() == null) {
            store.machines().delete(before.hostaddr());
        } else if (!store.machines().update(before.machine(), before.spaces())) {
            store.machines().insert(before.machine(), before.spaces());
        }
    }
}
