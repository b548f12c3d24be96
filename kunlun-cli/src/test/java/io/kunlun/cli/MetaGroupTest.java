package io.kunlun.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kunlun.core.meta.group.MetaGroupFile;
import io.kunlun.server.ServeConfig;
import io.kunlun.testkit.ApiClient;
import io.kunlun.testkit.InstanceTraces;
import io.kunlun.testkit.LoopbackMachine;
import io.kunlun.testkit.LoopbackMachines;
import io.kunlun.testkit.ManagedProcesses;
import io.kunlun.testkit.ManagerProcess;
import io.kunlun.testkit.PausedProcess;
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
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code kunlunctl meta bootstrap} of a Galera group of three on loopback machines, two managers
 * on the configuration it wrote (this JVM's, started first, which leads, and a manager process,
 * which follows), and the group losing members under them: one member killed (both managers go
 * on, {@code meta start} brings it back), one paused (statements to it time out and both managers
 * go on with the next members of the URL; resumed, it rejoins), a lost member replaced
 * ({@code meta remove-member}, {@code meta add-member}), and the whole group killed ({@code meta
 * start} starts it again from its most recent member). One group for the class; the tests run in
 * order, each leaving three members running in one group.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MetaGroupTest {
    @RegisterExtension
    static LoopbackMachines loopback = LoopbackMachines.of("127.0.0.152", "127.0.0.153", "127.0.0.154",
            "127.0.0.156");
    @RegisterExtension
    static ManagedProcesses processes = ManagedProcesses.create();
    private static final int PORT = TestPorts.storagePortBase() + 180;
    /** Low, so that a paused member costs the managers seconds (the default is 20). */
    private static final int SOCKET_TIMEOUT_SECONDS = 3;
    /**
     * How long a job submitted while the URL's first member is paused may take: the statements
     * that hang on it fail after the socket timeout, a new connection to it gives up after the
     * connect timeout (5 s) and goes to the next member, and the others wait a few seconds
     * before they drop it from their group (Galera's evs.suspect_timeout). About 5 s here.
     */
    private static final Duration PAUSED_MEMBER_JOB_BOUND = Duration.ofSeconds(20);
    static List<LoopbackMachine> machines;
    static Path configFile;
    static String bootstrapOutput;
    /** The configuration files (with the group's passwords) and the follower's home: deleted at the end. */
    static Path dir;
    static TestManager leader;
    static ManagerProcess follower;
    /** The member replaced in test 5, which the running managers' URL still names. */
    static String lost;

    @BeforeAll
    static void bootstrap() throws IOException {
        machines = List.of(loopback.take(), loopback.take(), loopback.take());
        dir = TempDirs.create("kunlun-meta-group-");
        configFile = dir.resolve("manager.json");
        ObjectMapper json = new ObjectMapper();
        ObjectNode base = json.createObjectNode();
        base.set("engines", json.valueToTree(TestPorts.engineFields()));
        base.putObject("metadata").put("socket_timeout_seconds", SOCKET_TIMEOUT_SECONDS);
        Path baseFile = Files.write(dir.resolve("base.json"), json.writeValueAsBytes(base));
        List<String> bootstrap = new ArrayList<>(List.of("meta", "bootstrap"));
        machines.forEach(machine -> bootstrap.addAll(List.of("--machine", machine.hostaddr())));
        bootstrap.addAll(List.of("--datadir", machines.get(0).datadir().toString(), "--port", Integer.toString(PORT),
                "--buffer-pool-mb", "64", "--config", baseFile.toString(), "--config-out", configFile.toString()));

        long began = System.nanoTime();
        bootstrapOutput = kunlunctl(bootstrap.toArray(String[]::new));
        System.out.printf("meta bootstrap of 3 took %.1f s%n", (System.nanoTime() - began) / 1e9);

        leader = TestManager.builder()
                .configure(config -> config.withMetadata(ServeConfig.load(configFile).manager().metadata()))
                .build().start();
        follower = ManagerProcess.start(dir.resolve("follower"), processes, "--config", configFile.toString());
    }

    @AfterAll
    static void stopManagers() throws IOException {
        if (follower != null) {
            follower.close();
        }
        if (leader != null) {
            leader.close();
        }
        if (dir != null) {
            TempDirs.delete(dir);
        }
    }

    @Test
    @Order(1)
    void bothManagersOnTheWrittenConfigurationSeeAGaleraGroupOfThree() throws IOException {
        assertThat(bootstrapOutput).isEqualTo("metadata group kunlun_meta: " + address(0) + ", " + address(1) + ", "
                + address(2) + "\nconfiguration: " + configFile + " (mode 0600; start managers with kunlunctl serve"
                + " --config " + configFile + ")\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(configFile))).isEqualTo("rw-------");
        assertThat(ServeConfig.load(configFile).manager().metadata().jdbcUrl())
                .isEqualTo("jdbc:mariadb:sequential://" + address(0) + "," + address(1) + "," + address(2)
                        + "/kunlun_meta");
        assertThat(ServeConfig.load(configFile).manager().metadata().socketTimeoutSeconds())
                .as("the base configuration's setting, kept").isEqualTo(SOCKET_TIMEOUT_SECONDS);
        for (ApiClient manager : managers()) {
            assertThat(manager.post("{\"job_type\":\"get_meta_mode\"}").json().get("mode").asText()).isEqualTo("mgr");
        }
        assertMembers(Map.of(address(0), "online", address(1), "online", address(2), "online"));
    }

    @Test
    @Order(2)
    void theFirstManagerLeadsAndRunsAJobSubmittedToTheOther() {
        for (ApiClient manager : managers()) {
            assertThat(roles(manager)).containsExactly(
                    Map.entry(ProcessHandle.current().pid(), "leader"), Map.entry(follower.pid(), "follower"));
        }

        Reply created = follower.client().submitAndAwait(machines.get(1).createMachineJson("meta-follower-1"));

        assertThat(created.result()).as(created.toString()).isEqualTo("done");
        assertThat(leader.post(getStatus("meta-follower-1")).body()).isEqualTo(created.body());
    }

    @Test
    @Order(3)
    void aKilledMemberLeavesBothManagersRunningJobsAndRejoinsOnMetaStart() {
        kill(0);
        long killed = System.nanoTime();

        Reply deleted = runOnFollower(machines.get(1).deleteMachineJson("meta-kill-1"), ApiClient.DEFAULT_JOB_TIMEOUT);

        assertThat(deleted.result()).as(deleted.toString()).isEqualTo("done");
        System.out.printf("delete_machine submitted to the follower done %.1f s after the kill%n",
                (System.nanoTime() - killed) / 1e9);
        assertOneLeaderAndOneFollower();
        assertMembers(Map.of(address(0), "offline", address(1), "online", address(2), "online"));
        assertThat(kunlunctl("meta", "start", "--config", configFile.toString()))
                .isEqualTo("started " + address(0) + "\n");
        System.out.printf("meta start done %.1f s after the kill%n", (System.nanoTime() - killed) / 1e9);
        assertMembers(Map.of(address(0), "online", address(1), "online", address(2), "online"));
        Reply created = runOnFollower(machines.get(1).createMachineJson("meta-kill-2"), ApiClient.DEFAULT_JOB_TIMEOUT);
        assertThat(created.result()).as(created.toString()).isEqualTo("done");
    }

    @Test
    @Order(4)
    void aPausedMemberLeavesBothManagersRunningJobsAndRejoinsWhenResumed() {
        PausedProcess paused = PausedProcess.pause(server(0));
        long pausedAt = System.nanoTime();
        try {
            Reply deleted = runOnFollower(machines.get(1).deleteMachineJson("meta-pause-1"), PAUSED_MEMBER_JOB_BOUND);

            assertThat(deleted.result()).as(deleted.toString()).isEqualTo("done");
            System.out.printf("delete_machine submitted to the follower done %.1f s after the pause%n",
                    (System.nanoTime() - pausedAt) / 1e9);
            assertOneLeaderAndOneFollower();
        } finally {
            paused.close();
            awaitWholeGroup();
            System.out.printf("the group is whole again %.1f s after the pause%n", (System.nanoTime() - pausedAt) / 1e9);
        }
    }

    @Test
    @Order(5)
    void aLostMemberIsReplacedByRemovingItAndAddingAnother() {
        kill(2);
        lost = address(2);
        LoopbackMachine replacement = loopback.take();

        kunlunctl("meta", "remove-member", "--config", configFile.toString(), "--machine", machines.get(2).hostaddr());

        assertThat(MetaGroupFile.read(configFile).spec().machines())
                .containsExactly(machines.get(0).hostaddr(), machines.get(1).hostaddr());
        assertThat(machines.get(0).datadir().resolve("instance_data/data_dir_path/"
                + lost.substring(lost.indexOf(':') + 1))).doesNotExist();
        kunlunctl("meta", "add-member", "--config", configFile.toString(), "--machine", replacement.hostaddr());
        assertThat(MetaGroupFile.read(configFile).spec().machines())
                .containsExactly(machines.get(0).hostaddr(), machines.get(1).hostaddr(), replacement.hostaddr());
        machines = List.of(machines.get(0), machines.get(1), replacement);
        assertThat(ServeConfig.load(configFile).manager().metadata().jdbcUrl())
                .isEqualTo("jdbc:mariadb:sequential://" + address(0) + "," + address(1) + "," + address(2)
                        + "/kunlun_meta");
        // The running managers' URL still names the removed member: get_meta lists it offline.
        assertMembers(Map.of(address(0), "online", address(1), "online", address(2), "online", lost, "offline"));
        Reply created = runOnFollower(machines.get(1).createMachineJson("meta-replace-1"), ApiClient.DEFAULT_JOB_TIMEOUT);
        assertThat(created.result()).as(created.toString()).isEqualTo("done");
    }

    @Test
    @Order(6)
    void aGroupEntirelyKilledStartsAgainFromItsMostRecentMember() {
        for (int member = 0; member < 3; member++) {
            kill(member);
        }

        String started = kunlunctl("meta", "start", "--config", configFile.toString());

        assertThat(started).startsWith("started ");
        assertThat(started.strip().substring("started ".length()).split(", "))
                .containsExactlyInAnyOrder(address(0), address(1), address(2));
        // The managers' connections all died with the group: they answer again once they have new ones.
        assertMembers(Map.of(address(0), "online", address(1), "online", address(2), "online", lost, "offline"));
        Reply deleted = runOnFollower(machines.get(1).deleteMachineJson("meta-restart-1"), ApiClient.DEFAULT_JOB_TIMEOUT);
        assertThat(deleted.result()).as(deleted.toString()).isEqualTo("done");
    }

    /** Runs kunlunctl in this JVM; fails the test unless it succeeds. Answers its stdout. */
    private static String kunlunctl(String... args) {
        CliRun run = CliRun.of(args);
        assertThat(run.exitCode()).as("kunlunctl " + String.join(" ", args) + ": " + run.err()).isZero();
        return run.out();
    }

    /**
     * Submits the job to the follower and waits, within {@code bound}, for it to end. A
     * submission the follower could not record because the store failed it (a pooled connection
     * to a lost or paused member fails its statement once; the manager does not run a request
     * again) is sent again, as a client does: the same job_id is recorded once.
     */
    private static Reply runOnFollower(String job, Duration bound) {
        long deadline = System.nanoTime() + bound.toNanos();
        Reply accepted = follower.client().post(job);
        while (accepted.result().equals("failed") && accepted.info().startsWith("the metadata store ")
                && System.nanoTime() < deadline) {
            System.out.println("submitted again after: " + accepted.body());
            accepted = follower.client().post(job);
        }
        // A submission recorded before its answer was lost is answered with the job's status now.
        assertThat(accepted.result()).as(accepted.toString()).isIn("accept", "ongoing", "done");
        return follower.client().awaitJob(Reply.json(job).get("job_id").asText(),
                Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
    }

    private static List<ApiClient> managers() {
        return List.of(leader.client(), follower.client());
    }

    private static String getStatus(String jobId) {
        return "{\"job_type\":\"get_status\",\"job_id\":\"" + jobId + "\"}";
    }

    /** list_managers as pid → role, in its order (the leader first). */
    private static List<Map.Entry<Long, String>> roles(ApiClient manager) {
        Reply reply = manager.post("{\"job_type\":\"list_managers\"}");
        List<Map.Entry<Long, String>> roles = new ArrayList<>();
        reply.json().path("managers").forEach(entry -> roles.add(Map.entry(entry.get("pid").asLong(),
                entry.get("role").asText())));
        return roles;
    }

    /** Both managers answer list_managers, with one leader and one follower: either may lead after a loss. */
    private static void assertOneLeaderAndOneFollower() {
        for (ApiClient manager : managers()) {
            assertThat(roles(manager)).extracting(Map.Entry::getValue).containsExactly("leader", "follower");
        }
    }

    /** The member on {@code machines.get(member)} as host:port, from the configuration file. */
    private static String address(int member) {
        return MetaGroupFile.read(configFile).spec().members().stream()
                .filter(candidate -> candidate.hostaddr().equals(machines.get(member).hostaddr()))
                .findFirst().orElseThrow().address();
    }

    /**
     * get_meta on both managers as address → status is {@code expected}, within 60 s: the group
     * takes a few seconds to see a member go or come.
     */
    private static void assertMembers(Map<String, String> expected) {
        for (ApiClient manager : managers()) {
            await(() -> members(manager).equals(expected), Duration.ofSeconds(60));
            assertThat(members(manager)).as(manager.uri().toString()).isEqualTo(expected);
        }
    }

    /** get_meta as address → status; empty while the manager cannot answer from the store. */
    private static Map<String, String> members(ApiClient manager) {
        Map<String, String> members = new TreeMap<>();
        JsonNode reply = manager.post("{\"job_type\":\"get_meta\"}").json();
        if (reply.path("result").asText().equals("failed")) {
            return members;
        }
        reply.fields().forEachRemaining(entry -> members.put(entry.getValue().get("ip").asText() + ":"
                + entry.getValue().get("port").asText(), entry.getValue().get("status").asText()));
        return members;
    }

    /**
     * Waits, at most 120 s, until every member is synced in one view of three, as each member
     * itself sees it: a resumed member may still show its view from before the pause, which the
     * others' view and its number tell apart.
     */
    private static void awaitWholeGroup() {
        await(() -> isWhole(groupViews()), Duration.ofSeconds(120));
        Map<String, String> views = groupViews();
        assertThat(isWhole(views)).as("each member's state, cluster size and view number: " + views).isTrue();
    }

    private static boolean isWhole(Map<String, String> views) {
        return Set.copyOf(views.values()).size() == 1 && views.get(address(0)).startsWith("Synced 3 ");
    }

    /** Each member's wsrep_local_state_comment, wsrep_cluster_size and wsrep_cluster_conf_id, or why not. */
    private static Map<String, String> groupViews() {
        MetaGroupFile file = MetaGroupFile.read(configFile);
        Map<String, String> views = new HashMap<>();
        for (int member = 0; member < 3; member++) {
            String url = "jdbc:mariadb://" + address(member) + "/?connectTimeout=2000&socketTimeout=2000";
            try (Connection connection = DriverManager.getConnection(url, file.user(), file.password());
                 ResultSet status = connection.createStatement().executeQuery("SHOW GLOBAL STATUS WHERE Variable_name"
                         + " IN ('wsrep_local_state_comment', 'wsrep_cluster_size', 'wsrep_cluster_conf_id')")) {
                Map<String, String> values = new HashMap<>();
                while (status.next()) {
                    values.put(status.getString(1), status.getString(2));
                }
                views.put(address(member), values.get("wsrep_local_state_comment") + " "
                        + values.get("wsrep_cluster_size") + " " + values.get("wsrep_cluster_conf_id"));
            } catch (SQLException e) {
                views.put(address(member), "unreachable: " + e.getMessage());
            }
        }
        return views;
    }

    private static void await(BooleanSupplier condition, Duration bound) {
        long deadline = System.nanoTime() + bound.toNanos();
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** The member's server process; every member's instance is under the one datadir, the first machine's. */
    private static ProcessHandle server(int member) {
        String address = address(member);
        return InstanceTraces.storageServer(machines.get(0), Integer.parseInt(address.substring(address.lastIndexOf(':') + 1)));
    }

    /** SIGKILLs the member's server and waits until it is gone. */
    private static void kill(int member) {
        ProcessHandle server = server(member);
        server.destroyForcibly();
        server.onExit().join();
    }
}
