package io.kunlun.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LoopbackMachinesTest {
    @Test
    void eachMachineHasItsOwnAddressAndFreshRootPaths() throws Exception {
        try (LoopbackMachines machines = LoopbackMachines.range("127.0.0.36", "127.0.0.37")) {
            LoopbackMachine first = machines.take();
            LoopbackMachine second = machines.take();

            assertThat(List.of(first.hostaddr(), second.hostaddr())).containsExactly("127.0.0.36", "127.0.0.37");
            for (LoopbackMachine machine : List.of(first, second)) {
                for (Path path : List.of(machine.datadir(), machine.logdir(), machine.walLogDir(), machine.compDatadir())) {
                    assertThat(path).isEmptyDirectory().hasParent(machine.root());
                }
            }
            assertThat(first.root()).isNotEqualTo(second.root());
        }
    }

    @Test
    void asRootThePathsBelongToTheInstanceAccountUnderAReadableRoot() throws Exception {
        try (LoopbackMachines machines = LoopbackMachines.of("127.0.0.38")) {
            LoopbackMachine machine = machines.take();

            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(machine.root())))
                    .isEqualTo("rwxr-xr-x");
            String expectedOwner = "root".equals(System.getProperty("user.name"))
                    ? LoopbackMachines.INSTANCE_ACCOUNT : System.getProperty("user.name");
            assertThat(Files.getOwner(machine.datadir()).getName()).isEqualTo(expectedOwner);
        }
    }

    @Test
    void releasingDeletesThePathsAndFreesTheAddress() {
        try (LoopbackMachines machines = LoopbackMachines.of("127.0.0.38")) {
            LoopbackMachine machine = machines.take();

            machines.release(machine);

            assertThat(machine.root()).doesNotExist();
            assertThat(machines.take().hostaddr()).isEqualTo("127.0.0.38");
        }
    }

    /** The JUnit callbacks as JUnit calls them; the extension ignores the context. */
    @Test
    void asAStaticExtensionMachinesLiveAsLongAsTheClass() {
        LoopbackMachines machines = LoopbackMachines.of("127.0.0.38");
        machines.beforeAll(null);
        machines.beforeEach(null);
        LoopbackMachine machine = machines.take();

        machines.afterEach(null);

        assertThat(machine.root()).isDirectory();
        machines.afterAll(null);
        assertThat(machine.root()).doesNotExist();
    }

    @Test
    void asAnInstanceExtensionMachinesLiveAsLongAsTheTest() {
        LoopbackMachines machines = LoopbackMachines.of("127.0.0.38");
        machines.beforeEach(null);
        LoopbackMachine machine = machines.take();

        machines.afterEach(null);

        assertThat(machine.root()).doesNotExist();
    }

    @Test
    void closeDeletesThePathsOfEveryMachine() {
        LoopbackMachines machines = LoopbackMachines.of("127.0.0.38");
        LoopbackMachine machine = machines.take();

        machines.close();

        assertThat(machine.root()).doesNotExist();
    }

    @Test
    void takingMoreMachinesThanAddressesFailsNamingThem() {
        try (LoopbackMachines machines = LoopbackMachines.of("127.0.0.38", "127.0.0.39")) {
            machines.take();
            machines.take();

            assertThatThrownBy(machines::take)
                    .hasMessage("every loopback address is taken: 127.0.0.38, 127.0.0.39");
        }
    }

    @Test
    void onlyLoopbackAddressesAreAccepted() {
        assertThatThrownBy(() -> LoopbackMachines.of("10.0.0.1"))
                .hasMessage("not a loopback IPv4 address: 10.0.0.1");
        assertThatThrownBy(() -> LoopbackMachines.range("127.0.0.39", "127.0.0.30"))
                .hasMessage("a range differs only in the last number, upwards: 127.0.0.39 to 127.0.0.30");
    }

    @Test
    void theCreateMachineRequestIsTheOneXpanelSends() {
        try (LoopbackMachines machines = LoopbackMachines.of("127.0.0.38")) {
            LoopbackMachine machine = machines.take();

            JsonNode request = Reply.json(machine.createMachineJson("job-1"));

            assertThat(request.get("job_type").asText()).isEqualTo("create_machine");
            assertThat(request.get("job_id").asText()).isEqualTo("job-1");
            assertThat(request.get("hostaddr").asText()).isEqualTo("127.0.0.38");
            assertThat(request.get("datadir").asText()).isEqualTo(machine.datadir().toString());
            assertThat(request.get("comp_datadir").asText()).isEqualTo(machine.compDatadir().toString());
            assertThat(request.get("total_mem").isTextual()).isTrue();
        }
    }
}
