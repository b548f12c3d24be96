package io.kunlun.testkit.meta;

import io.kunlun.core.ManagerException;
import io.kunlun.core.config.ManagerConfig.MetadataConfig;
import io.kunlun.core.meta.JobRecord;
import io.kunlun.core.meta.ClusterTable;
import io.kunlun.core.meta.JobTable;
import io.kunlun.core.meta.JobTransition;
import io.kunlun.core.meta.MachineTable;
import io.kunlun.core.meta.MetadataStore;
import io.kunlun.core.meta.UndoRecord;
import io.kunlun.model.HaMode;
import io.kunlun.model.Instance;
import io.kunlun.model.InstanceKind;
import io.kunlun.model.InstanceStatus;
import io.kunlun.model.Machine;
import io.kunlun.model.MetaNode;
import io.kunlun.model.MetaStoreInfo;
import io.kunlun.model.PathSpace;
import io.kunlun.model.Role;
import io.kunlun.model.job.JobState;
import io.kunlun.model.job.JobStatus;
import io.kunlun.model.job.JobType;
import io.kunlun.testkit.mariadb.MariaDbTestServer;
import org.jdbi.v3.core.HandleCallback;
import org.jdbi.v3.core.JdbiException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The metadata store, the same behaviour on both of its backends: embedded H2 and a real
 * MariaDB server on loopback (one for the class, a fresh database for each test).
 */
class MetadataStoreTest {
    private static final MetaNode ADVERTISED = new MetaNode("127.0.0.1", 57000);
    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static MariaDbTestServer mariadb;

    enum Backend { H2, MARIADB }

    /** A test run once on each backend. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.METHOD)
    @ParameterizedTest(name = "{0}")
    @EnumSource(Backend.class)
    @interface OnEachBackend {
    }

    @TempDir
    Path home;

    private final List<MetadataStore> opened = new ArrayList<>();

    @BeforeAll
    static void startMariaDb() {
        mariadb = MariaDbTestServer.start("127.0.0.40");
    }

    @AfterAll
    static void stopMariaDb() {
        if (mariadb != null) {
            mariadb.close();
        }
    }

    @AfterEach
    void closeStores() {
        opened.forEach(MetadataStore::close);
    }

    @OnEachBackend
    void aFreshStoreGetsEveryMigration(Backend backend) {
        MetadataStore store = open(freshLocation(backend));

        assertThat(store.appliedMigrations()).isNotEmpty().isEqualTo(MetadataStore.knownMigrations());
    }

    @OnEachBackend
    void reopeningAStoreAppliesNoMigrationAgainAndKeepsItsRows(Backend backend) {
        MetadataConfig location = freshLocation(backend);
        MetadataStore first = open(location);
        List<Map<String, Object>> migrations = schemaVersionRows(first);
        first.machines().insert(machine("127.0.0.2"), List.of());
        first.close();
        opened.remove(first);

        MetadataStore reopened = open(location);

        assertThat(schemaVersionRows(reopened)).isEqualTo(migrations);
        assertThat(reopened.machines().find("127.0.0.2")).contains(machine("127.0.0.2"));
    }

    @Test
    void managersOpeningOneFreshServerStoreAtOnceEachOpenItAndEveryMigrationIsAppliedOnce() throws Exception {
        MetadataConfig location = freshLocation(Backend.MARIADB);
        int managers = 4;
        ExecutorService starts = Executors.newFixedThreadPool(managers);
        List<Future<MetadataStore>> stores = new ArrayList<>();
        try {
            CountDownLatch ready = new CountDownLatch(managers);
            for (int i = 0; i < managers; i++) {
                stores.add(starts.submit(() -> {
                    ready.countDown();
                    ready.await();
                    return MetadataStore.open(location, home, ADVERTISED);
                }));
            }
            for (Future<MetadataStore> store : stores) {
                store.get(1, TimeUnit.MINUTES);
            }
        } finally {
            starts.shutdownNow();
            starts.awaitTermination(1, TimeUnit.MINUTES);
            for (Future<MetadataStore> store : stores) {
                try {
                    opened.add(store.get(0, TimeUnit.SECONDS));
                } catch (ExecutionException | TimeoutException | CancellationException notOpened) {
                    // it did not open, so there is nothing to close: the loop above reports why
                }
            }
        }

        assertThat(schemaVersionRows(opened.get(0))).extracting(row -> row.get("name"))
                .containsExactlyElementsOf(MetadataStore.knownMigrations());
    }

    @OnEachBackend
    void aMachineIsFoundAsInsertedWithTheSpaceOfItsPaths(Backend backend) {
        MachineTable machines = open(freshLocation(backend)).machines();
        List<PathSpace> spaces = List.of(new PathSpace("/data/b", 2_000_000_000_000L, 500L),
                new PathSpace("/data/a", 1000L, 400L));

        assertThat(machines.insert(machine("127.0.0.2"), spaces)).isTrue();

        assertThat(machines.find("127.0.0.2")).contains(machine("127.0.0.2"));
        assertThat(machines.spaces("127.0.0.2")).containsExactly(
                new PathSpace("/data/a", 1000L, 400L), new PathSpace("/data/b", 2_000_000_000_000L, 500L));
    }

    @OnEachBackend
    void aKnownHostaddrIsNotInsertedTwice(Backend backend) {
        MachineTable machines = open(freshLocation(backend)).machines();
        machines.insert(machine("127.0.0.2"), List.of());

        Machine other = new Machine("127.0.0.2", "rack9", List.of("/other"), List.of(), List.of(), List.of(), 1, 1);
        assertThat(machines.insert(other, List.of())).isFalse();

        assertThat(machines.find("127.0.0.2")).contains(machine("127.0.0.2"));
    }

    @OnEachBackend
    void anUpdateReplacesAMachineAndTheSpaceOfItsPaths(Backend backend) {
        MachineTable machines = open(freshLocation(backend)).machines();
        machines.insert(machine("127.0.0.2"), List.of(new PathSpace("/data/a", 1000L, 400L)));
        Machine updated = new Machine("127.0.0.2", "rack2", List.of("/data/c"), List.of("/log2"), List.of("/wal2"),
                List.of("/comp2", "/comp3"), 8192, 16);

        assertThat(machines.update(updated, List.of(new PathSpace("/data/c", 3000L, 100L)))).isTrue();

        assertThat(machines.find("127.0.0.2")).contains(updated);
        assertThat(machines.spaces("127.0.0.2")).containsExactly(new PathSpace("/data/c", 3000L, 100L));
    }

    @OnEachBackend
    void anUnknownMachineIsNotUpdated(Backend backend) {
        MachineTable machines = open(freshLocation(backend)).machines();

        assertThat(machines.update(machine("127.0.0.9"), List.of())).isFalse();

        assertThat(machines.find("127.0.0.9")).isEmpty();
    }

    @OnEachBackend
    void aDeletedMachineIsGoneWithItsPaths(Backend backend) {
        MachineTable machines = open(freshLocation(backend)).machines();
        machines.insert(machine("127.0.0.2"), List.of(new PathSpace("/data/a", 1000L, 400L)));

        assertThat(machines.delete("127.0.0.2")).isEqualTo(MachineTable.DeleteOutcome.DELETED);

        assertThat(machines.find("127.0.0.2")).isEmpty();
        assertThat(machines.spaces("127.0.0.2")).isEmpty();
        assertThat(machines.delete("127.0.0.2")).isEqualTo(MachineTable.DeleteOutcome.UNKNOWN);
    }

    @OnEachBackend
    void aMachineThatHostsAnInstanceIsNotDeleted(Backend backend) {
        MetadataStore store = open(freshLocation(backend));
        store.machines().insert(machine("127.0.0.2"), List.of());
        store.clusters().insertInstance(new Instance("127.0.0.2", 3306, "cluster1", InstanceKind.STORAGE,
                Optional.of("shard1"), Optional.empty(), Optional.of(Role.PRIMARY), InstanceStatus.ACTIVE,
                3307, 3308, "/data/a/3306", "/log/3306", "/wal/3306", ""));

        assertThat(store.machines().delete("127.0.0.2")).isEqualTo(MachineTable.DeleteOutcome.HOSTS_INSTANCES);

        assertThat(store.machines().find("127.0.0.2")).contains(machine("127.0.0.2"));
    }

    @OnEachBackend
    void aMachineWithAPortHeldOnItIsNotDeleted(Backend backend) {
        MetadataStore store = open(freshLocation(backend));
        store.machines().insert(machine("127.0.0.2"), List.of());
        store.clusters().reservePorts("127.0.0.2", List.of(57330, 57331), "cluster1", "job1");

        assertThat(store.machines().delete("127.0.0.2")).isEqualTo(MachineTable.DeleteOutcome.HOSTS_INSTANCES);

        assertThat(store.machines().find("127.0.0.2")).contains(machine("127.0.0.2"));
    }

    @OnEachBackend
    void noPortIsReservedOnADeletedMachine(Backend backend) {
        MetadataStore store = open(freshLocation(backend));
        store.machines().insert(machine("127.0.0.2"), List.of());
        store.machines().delete("127.0.0.2");

        assertThatThrownBy(() -> store.clusters().reservePorts("127.0.0.2", List.of(57330), "cluster1", "job1"))
                .isInstanceOf(ManagerException.class)
                .hasMessage("machine 127.0.0.2 was deleted while the job planned");
        assertThat(store.clusters().heldPorts("127.0.0.2")).isEmpty();
    }

    @OnEachBackend
    void aPortHeldByAnotherJobIsNotReservedAndItsHolderIsKept(Backend backend) {
        MetadataStore store = open(freshLocation(backend));
        store.machines().insert(machine("127.0.0.2"), List.of());
        store.clusters().reservePorts("127.0.0.2", List.of(57331), "cluster1", "job1");

        assertThatThrownBy(() -> store.clusters().reservePorts("127.0.0.2", List.of(57330, 57331), "cluster2", "job2"))
                .isInstanceOf(ManagerException.class)
                .hasMessage("127.0.0.2: ports [57330, 57331] are no longer free");
        assertThat(store.clusters().portHolder("127.0.0.2", 57331))
                .contains(new ClusterTable.PortHolder("cluster1", "job1"));
        assertThat(store.clusters().portHolder("127.0.0.2", 57330)).isEmpty();
    }

    @OnEachBackend
    void machinesAreListedByHostaddr(Backend backend) {
        MachineTable machines = open(freshLocation(backend)).machines();
        for (String hostaddr : List.of("127.0.0.3", "127.0.0.2", "127.0.0.4")) {
            machines.insert(machine(hostaddr), List.of());
        }

        assertThat(machines.list()).extracting(Machine::hostaddr)
                .containsExactly("127.0.0.2", "127.0.0.3", "127.0.0.4");
    }

    @OnEachBackend
    void aJobIsStoredAcceptedAsSubmitted(Backend backend) {
        JobTable jobs = open(freshLocation(backend)).jobs();
        Instant before = Instant.now().minusSeconds(1);

        JobTable.InsertOutcome outcome = jobs.insert("j1", JobType.CREATE_MACHINE, "alice", REQUEST,
                "machine:127.0.0.2", "queued");

        assertThat(outcome.created()).isTrue();
        JobRecord stored = jobs.find("j1").orElseThrow();
        assertThat(stored).isEqualTo(outcome.job());
        assertThat(stored.requestJson()).isEqualTo(REQUEST);
        assertThat(stored.lockKey()).isEqualTo("machine:127.0.0.2");
        JobStatus status = stored.status();
        assertThat(status.jobType()).isEqualTo(JobType.CREATE_MACHINE);
        assertThat(status.userName()).isEqualTo("alice");
        assertThat(status.state()).isEqualTo(JobState.ACCEPT);
        assertThat(status.info()).isEqualTo("queued");
        assertThat(status.submittedAt()).isBetween(before, Instant.now().plusSeconds(1));
        assertThat(status.startedAt()).isEmpty();
        assertThat(status.endedAt()).isEmpty();
    }

    @OnEachBackend
    void aTakenJobIdAnswersTheJobStoredFirst(Backend backend) {
        JobTable jobs = open(freshLocation(backend)).jobs();
        jobs.insert("j1", JobType.CREATE_MACHINE, "alice", REQUEST, "machine:127.0.0.2", "queued");

        JobTable.InsertOutcome again = jobs.insert("j1", JobType.DELETE_MACHINE, "bob", "{}", "machine:x", "queued");

        assertThat(again.created()).isFalse();
        assertThat(again.job().requestJson()).isEqualTo(REQUEST);
        assertThat(again.job().status().userName()).isEqualTo("alice");
    }

    @OnEachBackend
    void aJobMovesOnlyAlongItsTransitions(Backend backend) {
        JobTable jobs = open(freshLocation(backend)).jobs();
        jobs.insert("j1", JobType.CREATE_MACHINE, "alice", REQUEST, "machine:127.0.0.2", "queued");

        assertThat(jobs.apply("j1", JobTransition.SUCCEED, "too early")).isFalse();
        assertThat(jobs.apply("j1", JobTransition.START, "checking")).isTrue();
        assertThat(jobs.apply("j1", JobTransition.START, "checking")).isFalse();
        assertThat(jobs.apply("j1", JobTransition.REFUSE, "too late")).isFalse();
        JobStatus ongoing = jobs.find("j1").orElseThrow().status();
        assertThat(ongoing.state()).isEqualTo(JobState.ONGOING);
        assertThat(ongoing.step()).isEqualTo("checking");
        assertThat(ongoing.startedAt()).isPresent();

        jobs.progress("j1", "copying files", 2, 5);
        JobStatus progressed = jobs.find("j1").orElseThrow().status();
        assertThat(progressed.step()).isEqualTo("copying files");
        assertThat(progressed.info()).isEqualTo("copying files");
        assertThat(progressed.progress()).contains("2/5");

        assertThat(jobs.apply("j1", JobTransition.FAIL, "disk full; rolled back")).isTrue();
        jobs.progress("j1", "a late step", 3, 5);
        JobStatus failed = jobs.find("j1").orElseThrow().status();
        assertThat(failed.state()).isEqualTo(JobState.FAILED);
        assertThat(failed.info()).isEqualTo("disk full; rolled back");
        assertThat(failed.step()).isEqualTo("copying files");
        assertThat(failed.progress()).contains("2/5");
        assertThat(failed.endedAt()).isPresent();
        assertThat(jobs.apply("j1", JobTransition.SUCCEED, "after all")).isFalse();
    }

    @OnEachBackend
    void theUndoLogIsReadNewestFirst(Backend backend) {
        JobTable jobs = open(freshLocation(backend)).jobs();
        jobs.insert("j1", JobType.CREATE_MACHINE, "alice", REQUEST, "machine:127.0.0.2", "queued");
        jobs.insert("j2", JobType.CREATE_MACHINE, "alice", REQUEST, "machine:127.0.0.3", "queued");
        jobs.appendUndo("j1", "remove_dir", "{\"path\":\"/data/a\"}");
        jobs.appendUndo("j2", "remove_dir", "{\"path\":\"/elsewhere\"}");
        jobs.appendUndo("j1", "stop_instance", "{\"port\":3306}");
        jobs.appendUndo("j1", "release_ports", "[3306,3307]");

        jobs.removeUndo("j1", 2);

        assertThat(jobs.undoLog("j1")).containsExactly(
                new UndoRecord("j1", 3, "release_ports", "[3306,3307]"),
                new UndoRecord("j1", 1, "remove_dir", "{\"path\":\"/data/a\"}"));
        assertThat(jobs.undoLog("j2")).containsExactly(new UndoRecord("j2", 1, "remove_dir", "{\"path\":\"/elsewhere\"}"));
    }

    @OnEachBackend
    void aJobThatSucceedsDropsItsUndoLog(Backend backend) {
        JobTable jobs = open(freshLocation(backend)).jobs();
        jobs.insert("j1", JobType.CREATE_MACHINE, "alice", REQUEST, "machine:127.0.0.2", "queued");
        jobs.apply("j1", JobTransition.START, "checking");
        jobs.appendUndo("j1", "remove_dir", "{\"path\":\"/data/a\"}");

        assertThat(jobs.apply("j1", JobTransition.SUCCEED, "create machine succeed")).isTrue();

        assertThat(jobs.undoLog("j1")).isEmpty();
        assertThat(jobs.find("j1").orElseThrow().status().info()).isEqualTo("create machine succeed");
    }

    @OnEachBackend
    void jobsInOneStateAreListedInTheOrderTheyWereAccepted(Backend backend) {
        JobTable jobs = open(freshLocation(backend)).jobs();
        for (String jobId : List.of("c", "a", "b", "d")) {
            jobs.insert(jobId, JobType.CREATE_MACHINE, "alice", REQUEST, "machine:127.0.0.2", "queued");
        }
        jobs.apply("b", JobTransition.START, "checking");

        assertThat(jobs.inState(JobState.ACCEPT)).extracting(JobRecord::jobId).containsExactly("c", "a", "d");
        assertThat(jobs.inState(JobState.ONGOING)).extracting(JobRecord::jobId).containsExactly("b");
        assertThat(jobs.newest(3)).extracting(JobRecord::jobId).containsExactly("d", "b", "a");
    }

    @OnEachBackend
    void largeAndNonAsciiTextComesBackUnchanged(Backend backend) {
        JobTable jobs = open(freshLocation(backend)).jobs();
        String largeRequest = "{\"pad\":\"" + "x".repeat(1 << 20) + "\"}";
        String info = "磁盘已满: /data/集群一 💾 " + "y".repeat(70_000);
        jobs.insert("j1", JobType.CREATE_MACHINE, "alice", largeRequest, "machine:127.0.0.2", "queued");
        jobs.apply("j1", JobTransition.START, "检查路径");
        jobs.apply("j1", JobTransition.FAIL, info);

        JobRecord stored = jobs.find("j1").orElseThrow();

        assertThat(stored.requestJson()).isEqualTo(largeRequest);
        assertThat(stored.status().info()).isEqualTo(info);
        assertThat(stored.status().step()).isEqualTo("检查路径");
    }

    @OnEachBackend
    void aSingleServerIsNoRepWithItselfAsTheOneNode(Backend backend) {
        MetaStoreInfo info = open(freshLocation(backend)).describe();

        MetaNode expected = switch (backend) {
            case H2 -> ADVERTISED;
            case MARIADB -> new MetaNode(mariadb.address(), mariadb.port());
        };
        assertThat(info.mode()).isEqualTo(HaMode.NO_REP);
        assertThat(info.nodes()).containsExactly(expected);
    }

    @Test
    void aMariaDbUserThatCannotReadTheReplicationStateIsToldWhatFailed() throws SQLException {
        String url = mariadb.createDatabase("store_" + DATABASES.incrementAndGet());
        String database = url.substring(url.lastIndexOf('/') + 1);
        try (Connection admin = mariadb.connectAsAdmin(); Statement statement = admin.createStatement()) {
            statement.execute("CREATE USER 'no_monitor_" + database + "'@'127.%' IDENTIFIED BY 'secret'");
            statement.execute("GRANT ALL PRIVILEGES ON `" + database + "`.* TO 'no_monitor_" + database + "'@'127.%'");
        }
        MetadataStore store = open(new MetadataConfig(url, "no_monitor_" + database, "secret"));

        assertThatThrownBy(store::describe)
                .isInstanceOf(ManagerException.class)
                .hasMessageStartingWith("metadata store " + url + ": cannot read how it replicates: ")
                .hasMessageEndingWith("Access denied; you need (at least one of) the SUPER, SLAVE MONITOR"
                        + " privilege(s) for this operation");
    }

    @Test
    void aMariaDbDatabaseWhoseCharacterSetIsNotUtf8mb4IsRefused() throws SQLException {
        String database = "latin_" + DATABASES.incrementAndGet();
        String url = mariadb.createDatabase(database);
        try (Connection admin = mariadb.connectAsAdmin(); Statement statement = admin.createStatement()) {
            statement.execute("ALTER DATABASE `" + database + "` CHARACTER SET latin1");
        }

        assertThatThrownBy(() -> open(new MetadataConfig(url, mariadb.user(), mariadb.password())))
                .isInstanceOf(ManagerException.class)
                .hasMessage("metadata store " + url + ": its database has character set latin1; create it with"
                        + " CHARACTER SET utf8mb4 (or ALTER DATABASE ... CHARACTER SET utf8mb4 before the manager's"
                        + " first start)");
        try (Connection admin = mariadb.connectAsAdmin(); Statement statement = admin.createStatement();
             ResultSet tables = statement.executeQuery("SELECT COUNT(*) FROM information_schema.TABLES"
                     + " WHERE TABLE_SCHEMA = '" + database + "'")) {
            tables.next();
            assertThat(tables.getInt(1)).isZero();
        }
    }

    @OnEachBackend
    void aRequestFindingEveryRequestConnectionTakenFailsSoonWhileTheManagersWorkGoesOn(Backend backend)
            throws Exception {
        MetadataStore store = open(freshLocation(backend).withRequestConnections(1, 300));
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService holder = Executors.newSingleThreadExecutor();
        try {
            Future<Boolean> held = holder.submit(() -> store.servingRequest(() -> store.jdbi().withHandle(handle -> {
                holding.countDown();
                try {
                    return release.await(1, TimeUnit.MINUTES);
                } catch (InterruptedException e) {
                    return false;
                }
            })));
            assertThat(holding.await(1, TimeUnit.MINUTES)).isTrue();
            long start = System.nanoTime();

            assertThatThrownBy(() -> store.servingRequest(() -> store.machines().list()))
                    .satisfies(e -> assertThat(MetadataStore.unavailability(e)).contains("the metadata store is busy:"
                            + " no connection came free within 300 ms (all 1 request connections are in use);"
                            + " try again"));
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
            assertThat(store.machines().list()).isEmpty();
            release.countDown();
            assertThat(held.get(1, TimeUnit.MINUTES)).isTrue();
        } finally {
            release.countDown();
            holder.shutdownNow();
        }
    }

    @Test
    void theManagersWorkWhoseConnectionTheServerClosedRunsAgainOnANewOne() {
        MetadataStore store = open(freshLocation(Backend.MARIADB));
        store.machines().insert(machine("127.0.0.2"), List.of());
        AtomicInteger attempts = new AtomicInteger();

        List<String> hostaddrs = store.jdbi().withHandle(hostaddrsKillingConnection(attempts, 1));

        assertThat(hostaddrs).containsExactly("127.0.0.2");
        assertThat(attempts).hasValue(2);
    }

    @Test
    void aRequestWhoseConnectionTheServerClosedRunsOnceMoreOnANewOne() {
        MetadataStore store = open(freshLocation(Backend.MARIADB));
        store.machines().insert(machine("127.0.0.2"), List.of());
        AtomicInteger attempts = new AtomicInteger();

        List<String> hostaddrs = store.servingRequest(() -> store.jdbi().withHandle(hostaddrsKillingConnection(attempts, 1)));

        assertThat(hostaddrs).containsExactly("127.0.0.2");
        assertThat(attempts).hasValue(2);
    }

    @Test
    void aRequestWhoseConnectionTheServerClosedTwiceFailsWithoutAThirdRun() {
        MetadataStore store = open(freshLocation(Backend.MARIADB));
        AtomicInteger attempts = new AtomicInteger();

        assertThatThrownBy(() -> store.servingRequest(() -> store.jdbi().withHandle(hostaddrsKillingConnection(attempts, Integer.MAX_VALUE)))).isInstanceOf(JdbiException.class);
        assertThat(attempts).hasValue(2);
    }

    /**
     * Reads the machines' addresses, counting its runs in {@code attempts}; in each of its first
     * {@code killedRuns} runs the server first kills the connection it runs on.
     */
    private static HandleCallback<List<String>, RuntimeException> hostaddrsKillingConnection(AtomicInteger attempts,
                                                                                        int killedRuns) {
        return handle -> {
            if (attempts.incrementAndGet() <= killedRuns) {
                killConnection(handle.createQuery("SELECT CONNECTION_ID()").mapTo(Long.class).one());
            }
            return handle.createQuery("SELECT hostaddr FROM machine").mapTo(String.class).list();
        };
    }

    private static void killConnection(long id) {
        try (Connection admin = mariadb.connectAsAdmin(); Statement statement = admin.createStatement()) {
            statement.execute("KILL CONNECTION " + id);
        } catch (SQLException e) {
            throw new AssertionError("cannot kill connection " + id + ": " + e.getMessage(), e);
        }
    }

    private static final String REQUEST = "{\"hostaddr\":\"127.0.0.2\",\"job_type\":\"create_machine\"}";

    private static Machine machine(String hostaddr) {
        return new Machine(hostaddr, "rack1", List.of("/data/a", "/data/b"), List.of("/log"), List.of("/wal"),
                List.of("/comp"), 4096, 8);
    }

    private static List<Map<String, Object>> schemaVersionRows(MetadataStore store) {
        return store.jdbi().withHandle(handle -> handle.createQuery(
                        "SELECT version, name, applied_at FROM schema_version ORDER BY version")
                .mapToMap().list());
    }

    /** Where a new, empty store lives: its own H2 home, or its own MariaDB database. */
    private MetadataConfig freshLocation(Backend backend) {
        return switch (backend) {
            case H2 -> MetadataConfig.embedded();
            case MARIADB -> new MetadataConfig(mariadb.createDatabase("store_" + DATABASES.incrementAndGet()),
                    mariadb.user(), mariadb.password());
        };
    }

    private MetadataStore open(MetadataConfig location) {
        MetadataStore store = MetadataStore.open(location, home, ADVERTISED);
        opened.add(store);
        return store;
    }
}
