package io.kunlun.core.ops.machines;

import io.kunlun.core.config.ManagerConfig.MetadataConfig;
import io.kunlun.core.meta.MetadataStore;
import io.kunlun.model.Machine;
import io.kunlun.model.MetaNode;
import io.kunlun.model.PathSpace;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class RestoreMachineRowTest {
    @TempDir
    Path home;
    private MetadataStore store;
    private RestoreMachineRow undo;

    private static Machine machine(int memoryMb) {
        return new Machine("127.0.0.2", "1", List.of("/d"), List.of("/l"), List.of("/w"), List.of("/c"), memoryMb, 8);
    }

    @BeforeEach
    void open() {
        store = MetadataStore.open(MetadataConfig.embedded(), home, new MetaNode("127.0.0.1", 57000));
        undo = new RestoreMachineRow(store);
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void undoOfACreationForgetsTheMachine() {
        RestoreMachineRow.Before before = RestoreMachineRow.capture(store, "127.0.0.2");
        store.machines().insert(machine(1024), List.of());

        undo.undo(before);

        assertThat(store.machines().find("127.0.0.2")).isEmpty();
    }

    @Test
    void undoOfAnUpdatePutsTheOldValuesBack() {
        store.machines().insert(machine(1024), List.of(new PathSpace("/d", 100, 40)));
        RestoreMachineRow.Before before = RestoreMachineRow.capture(store, "127.0.0.2");
        store.machines().update(machine(4096), List.of());

        undo.undo(before);

        assertThat(store.machines().find("127.0.0.2")).contains(machine(1024));
        assertThat(store.machines().spaces("127.0.0.2")).containsExactly(new PathSpace("/d", 100, 40));
    }

    @Test
    void undoOfADeletionRegistersTheMachineAgain() {
        store.machines().insert(machine(1024), List.of());
        RestoreMachineRow.Before before = RestoreMachineRow.capture(store, "127.0.0.2");
        store.machines().delete("127.0.0.2");

        undo.undo(before);

        assertThat(store.machines().find("127.0.0.2")).contains(machine(1024));
    }

    @Test
    void undoOfSomethingThatNeverHappenedChangesNothing() {
        undo.undo(RestoreMachineRow.capture(store, "127.0.0.2"));

        assertThat(store.machines().list()).isEmpty();
    }
}
