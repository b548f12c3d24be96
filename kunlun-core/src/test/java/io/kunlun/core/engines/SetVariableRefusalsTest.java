package io.kunlun.core.engines;

import io.kunlun.core.ManagerException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What set_variable refuses, before it changes anything: settings that reach the machine or the
 * manager's own SQL, and MariaDB variables my.cnf cannot hold. Real instances on 127.0.0.201.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SetVariableRefusalsTest {
    private static final String ADDRESS = "127.0.0.201";

    private EngineFixture machine;
    private StorageNode storage;
    private ComputeNode comp;

    @BeforeAll
    void installOneInstanceOfEach() {
        ClusterUsers users = EngineFixture.users();
        machine = new EngineFixture(ADDRESS);
        storage = machine.storageNode();
        machine.storage.install(machine.standalone(storage, users));
        comp = machine.computeNode();
        machine.compute.install(machine.computeInstall(comp, users));
    }

    @AfterAll
    void removeEverything() {
        machine.close();
    }

    @Test
    void aMariaDbVariableWithoutAStartupOptionIsRefusedAndNeitherSetNorKept() {
        assertThatThrownBy(() -> machine.storage.setVariable(storage, "time_zone", "+02:00", false))
                .isInstanceOf(ManagerException.class)
                .hasMessage(storage.label() + ": time_zone cannot be kept across restarts: mariadbd has no startup"
                        + " option --time-zone; nothing was changed");

        assertThat(machine.storage.variable(storage, "time_zone")).isEqualTo("SYSTEM");
        assertThat(machine.host.readFile(storage.layout().configFile())).doesNotContain("time_zone");
    }

    @Test
    void aMariaDbReplicationPositionIsRefusedWithTheReason() {
        String before = machine.storage.variable(storage, "gtid_slave_pos");

        assertThatThrownBy(() -> machine.storage.setVariable(storage, "gtid_slave_pos", "0-1-100", false))
                .isInstanceOf(ManagerException.class)
                .hasMessage(storage.label() + ": gtid_slave_pos cannot be set through set_variable: the shard's GTID"
                        + " history belongs to the manager: changing it loses or replays transactions on replicas");

        assertThat(machine.storage.variable(storage, "gtid_slave_pos")).isEqualTo(before);
    }

    @Test
    void aMariaDbLogFileAnywhereIsRefused() {
        assertThatThrownBy(() -> machine.storage.setVariable(storage, "general_log_file",
                machine.root + "/elsewhere.cnf", false))
                .isInstanceOf(ManagerException.class)
                .hasMessageStartingWith(storage.label() + ": general_log_file cannot be set through set_variable: it"
                        + " names a file the server writes with query text");

        assertThat(machine.storage.variable(storage, "general_log_file")).doesNotContain("elsewhere");
    }

    @Test
    void aMariaDbVariableNamedInCapitalsIsKeptAsTheServersOptionIsSpelt() {
        machine.storage.setVariable(storage, "MAX_CONNECTIONS", "77", true);

        assertThat(machine.host.readFile(storage.layout().configFile())).contains("\nmax_connections = 77\n")
                .doesNotContain("MAX_CONNECTIONS");
        machine.storage.stop(storage);
        assertThat(machine.storage.start(storage)).isEqualTo(StartOutcome.STARTED);
        assertThat(machine.storage.variable(storage, "max_connections")).isEqualTo("77");
    }

    @Test
    void aPostgresCommandRunOnTheMachineIsRefusedAndNotSet() {
        assertThatThrownBy(() -> machine.compute.setVariable(comp, "archive_command", "touch /tmp/owned", false))
                .isInstanceOf(ManagerException.class)
                .hasMessage(comp.label() + ": archive_command cannot be set through set_variable: it runs a shell"
                        + " command on the machine as the instance account");

        assertThat(machine.compute.variable(comp, "archive_command")).isIn("", "(disabled)");
    }

    @Test
    void postgresQuotingCannotBeTurnedOff() {
        assertThatThrownBy(() -> machine.compute.setVariable(comp, "Standard_Conforming_Strings", "off", false))
                .isInstanceOf(ManagerException.class)
                .hasMessage(comp.label() + ": standard_conforming_strings cannot be set through set_variable: it"
                        + " decides how string literals are quoted, which the manager's own SQL relies on");

        assertThat(machine.compute.variable(comp, "standard_conforming_strings")).isEqualTo("on");
    }

    @Test
    void aPostgresLibraryIsRefused() {
        assertThatThrownBy(() -> machine.compute.setVariable(comp, "shared_preload_libraries", "evil", false))
                .isInstanceOf(ManagerException.class)
                .hasMessage(comp.label() + ": shared_preload_libraries cannot be set through set_variable: it loads"
                        + " a library into the server");
    }
}
