package io.kunlun.testkit.meta;

import com.fasterxml.jackson.databind.JsonNode;
import io.kunlun.core.config.ManagerConfig;
import io.kunlun.core.meta.group.MetaGroup;
import io.kunlun.core.meta.group.MetaGroupFile;
import io.kunlun.server.ServeConfig;
import io.kunlun.testkit.InstanceTraces;
import io.kunlun.testkit.LoopbackMachine;
import io.kunlun.testkit.LoopbackMachines;
import io.kunlun.testkit.Reply;
import io.kunlun.testkit.TempDirs;
import io.kunlun.testkit.TestManager;
import io.kunlun.testkit.TestPorts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code meta bootstrap} of a Galera group of three on loopback machines, a manager on the
 * configuration it wrote, and the group losing members under it: one member killed (jobs go on,
 * {@code meta start} brings it back), a lost member replaced (remove-member, add-member), and the
 * whole group killed ({@code meta start} starts it again from its most recent member). One group
 * for the class; the tests run in order, each leaving three members running.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MetaGroupTest {
    @RegisterExtension
    static LoopbackMachines loopback = LoopbackMachines.of("127.0.0.152", "127.0.0.153", "127.0.0.154",
            "127.0.0.156");
    private static final int PORT = TestPorts.storagePortBase() + 180;
    static List<LoopbackMachine> machines;
    static Path configFile;
    static ManagerConfig tools;
    static TestManager manager;
    /** The member replaced in test 3, which the running manager's URL still names. */
    static String lost;

    @BeforeAll
    static void bootstrap() {
        long began = System.nanoTime();
        machines = List.of(loopback.take(), loopback.take(), loopback.take());
        Path dir = TempDirs.create("kunlun-meta-group-");
        configFile = dir.resolve("manager.json");
        tools = TestPorts.managerConfig(dir);
        try (MetaGroup group = new MetaGroup(tools)) {
            group.bootstrap(new MetaGroup.Bootstrap(machines.stream().map(LoopbackMachine::hostaddr).toList(),
                    machines.get(0).datadir().toString(), PORT, 64, List.of(), configFile, null));
        }
        System.out.printf("meta bootstrap of 3 took %.1f s%n", (System.nanoTime() - began) / 1e9);
        ManagerConfig written = ServeConfig.load(configFile).manager();
        manager = TestManager.builder().configure(config -> config.withMetadata(written.metadata())).build().start();
    }

    @AfterAll
    static void stopManager() {
        if (manager != null) {
            manager.close();
        }
    }

    @Test
    @Order(1)
    void theManagerOnTheWrittenConfigurationSeesAGaleraGroupOfThree() throws IOException {
        assertThat(manager.post("{\"job_type\":\"get_meta_mode\"}").json().get("mode").asText()).isEqualTo("mgr");
        assertMembers(Map.of(address(0), "online", address(1), "online", address(2), "online"));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(configFile))).isEqualTo("rw-------");
        assertThat(ServeConfig.load(configFile).manager().metadata().jdbcUrl())
                .isEqualTo("jdbc:mariadb:sequential://" + address(0) + "," + address(1) + "," + address(2)
                        + "/kunlun_meta");
    }

    @Test
    @Order(2)
    void aKilledMemberLeavesTheManagerRunningJobsAndRejoinsOnMetaStart() {
        kill(0);
        long killed = System.nanoTime();

        Reply created = manager.submitAndAwait(machines.get(1).createMachineJson("meta-kill-1"));

        assertThat(created.result()).as(created.toString()).isEqualTo("done");
        System.out.printf("create_machine done %.1f s after the kill%n", (System.nanoTime() - killed) / 1e9);
        assertMembers(Map.of(address(0), "offline", address(1), "online", address(2), "online"));
        System.out.printf("get_meta shows it offline %.1f s after the kill%n", (System.nanoTime() - killed) / 1e9);
        assertThat(start()).containsExactly(address(0));
        System.out.printf("meta start done %.1f s after the kill%n", (System.nanoTime() - killed) / 1e9);
        assertMembers(Map.of(address(0), "online", address(1), "online", address(2), "online"));
        Reply deleted = manager.submitAndAwait(machines.get(1).deleteMachineJson("meta-kill-2"));
        assertThat(deleted.result()).as(deleted.toString()).isEqualTo("done");
    }

    @Test
    @Order(3)
    void aLostMemberIsReplacedByRemovingItAndAddingAnother() {
        kill(2);
        lost = address(2);
        LoopbackMachine replacement = loopback.take();

        try (MetaGroup group = new MetaGroup(tools)) {
            MetaGroupFile shrunk = group.removeMember(configFile, machines.get(2).hostaddr());
            assertThat(shrunk.spec().machines()).containsExactly(machines.get(0).hostaddr(), machines.get(1).hostaddr());
            assertThat(machines.get(0).datadir().resolve("instance_data/data_dir_path/"
                    + lost.substring(lost.indexOf(':') + 1))).doesNotExist();
            MetaGroupFile grown = group.addMember(configFile, replacement.hostaddr());
            assertThat(grown.spec().machines()).containsExactly(machines.get(0).hostaddr(),
                    machines.get(1).hostaddr(), replacement.hostaddr());
        }

        machines = List.of(machines.get(0), machines.get(1), replacement);
        assertThat(ServeConfig.load(configFile).manager().metadata().jdbcUrl())
                .isEqualTo("jdbc:mariadb:sequential://" + address(0) + "," + address(1) + "," + address(2)
                        + "/kunlun_meta");
        // The running manager's URL still names the removed member: get_meta lists it offline.
        assertMembers(Map.of(address(0), "online", address(1), "online", address(2), "online", lost, "offline"));
        Reply created = manager.submitAndAwait(machines.get(1).createMachineJson("meta-replace-1"));
        assertThat(created.result()).as(created.toString()).isEqualTo("done");
    }

    @Test
    @Order(4)
    void aGroupEntirelyKilledStartsAgainFromItsMostRecentMember() {
        for (int member = 0; member < 3; member++) {
            kill(member);
        }

        List<String> started = start();

        assertThat(started).containsExactlyInAnyOrder(address(0), address(1), address(2));
        // The manager's connections all died with the group: it answers again once it has new ones.
        assertMembers(Map.of(address(0), "online", address(1), "online", address(2), "online", lost, "offline"));
        Reply deleted = manager.submitAndAwait(machines.get(1).deleteMachineJson("meta-restart-1"));
        assertThat(deleted.result()).as(deleted.toString()).isEqualTo("done");
    }

    private static List<String> start() {
        try (MetaGroup group = new MetaGroup(tools)) {
            return group.start(configFile);
        }
    }

    /** The member on {@code machines.get(member)} as host:port, from the configuration file. */
    private static String address(int member) {
        return MetaGroupFile.read(configFile).spec().members().stream()
                .filter(candidate -> candidate.hostaddr().equals(machines.get(member).hostaddr()))
                .findFirst().orElseThrow().address();
    }

    /**
     * get_meta as address → status is {@code expected}, within 60 s: the group takes a few
     * seconds to see a member go or come.
     */
    private static void assertMembers(Map<String, String> expected) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        Map<String, String> members = members();
        while (!members.equals(expected) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            members = members();
        }
        assertThat(members).isEqualTo(expected);
    }

    /** get_meta as address → status; empty while the manager cannot answer from the store. */
    private static Map<String, String> members() {
        Map<String, String> members = new TreeMap<>();
        JsonNode reply = manager.post("{\"job_type\":\"get_meta\"}").json();
        if (reply.path("result").asText().equals("failed")) {
            return members;
        }
        reply.fields().forEachRemaining(entry -> members.put(entry.getValue().get("ip").asText() + ":"
                + entry.getValue().get("port").asText(), entry.getValue().get("status").asText()));
        return members;
    }

    /** SIGKILLs the member's server and waits until it is gone. */
    private static void kill(int member) {
        String address = address(member);
        // Every member's instance is under the one datadir, the first machine's.
        ProcessHandle server = InstanceTraces.storageServer(machines.get(0),
                Integer.parseInt(address.substring(address.lastIndexOf(':') + 1)));
        server.destroyForcibly();
        server.onExit().join();
    }
}
