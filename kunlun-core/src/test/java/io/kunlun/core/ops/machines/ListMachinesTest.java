package io.kunlun.core.ops.machines;

import io.kunlun.core.meta.EmbeddedStore;
import io.kunlun.model.Machine;
import io.kunlun.model.PathSpace;
import io.kunlun.model.job.JobRequest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** list_machines' pages: each machine with the space of its own paths, whichever page it is on. */
class ListMachinesTest {
    @RegisterExtension
    final EmbeddedStore meta = new EmbeddedStore();

    @BeforeEach
    void threeMachinesEachWithAPathOfItsOwn() {
        for (String host : List.of("127.0.0.2", "127.0.0.3", "127.0.0.4")) {
            meta.store().machines().insert(new Machine(host, "1", List.of("/d-" + host), List.of("/d-" + host),
                    List.of("/d-" + host), List.of("/d-" + host), 1024, 8), List.of(new PathSpace("/d-" + host, 100, 40)));
        }
    }

    @Test
    void aMiddlePageShowsOnlyItsMachinesPaths() {
        Map<String, Object> page = new ListMachines(meta.store())
                .answer(new JobRequest.ListMachines(1, Optional.of("127.0.0.2")));

        assertThat(page).containsOnlyKeys("machine0", "next_after").containsEntry("next_after", "127.0.0.3");
        assertThat(paths(page.get("machine0"))).containsExactly("/d-127.0.0.3");
    }

    @Test
    void theLastPageNamesNoNextPage() {
        Map<String, Object> page = new ListMachines(meta.store())
                .answer(new JobRequest.ListMachines(2, Optional.of("127.0.0.2")));

        assertThat(page).containsOnlyKeys("machine0", "machine1");
        assertThat(paths(page.get("machine1"))).containsExactly("/d-127.0.0.4");
    }

    @Test
    void aPageAfterTheLastMachineIsEmpty() {
        assertThat(new ListMachines(meta.store()).answer(new JobRequest.ListMachines(2, Optional.of("127.0.0.4"))))
                .isEmpty();
    }

    @SuppressWarnings("unchecked")
    private static List<Object> paths(Object machine) {
        return ((List<Map<String, Object>>) ((Map<String, Object>) machine).get("paths")).stream()
                .map(path -> path.get("path")).toList();
    }
}
