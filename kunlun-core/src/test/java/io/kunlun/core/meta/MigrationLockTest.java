package io.kunlun.core.meta;

import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The schema lock between managers migrating one server store, on an in-memory H2 database that
 * several connections share (the embedded store itself takes no lock: one process owns it).
 */
class MigrationLockTest {
    private static final Duration LEASE = Duration.ofSeconds(3);

    private final Jdbi jdbi = Jdbi.create("jdbc:h2:mem:" + UUID.randomUUID()
            + ";MODE=MariaDB;DATABASE_TO_LOWER=TRUE;DB_CLOSE_DELAY=-1");
    private final List<MigrationLock> taken = Collections.synchronizedList(new ArrayList<>());
    private String me;

    @BeforeEach
    void makeTheTable() throws Exception {
        jdbi.useHandle(MigrationLock::createTable);
        me = InetAddress.getLocalHost().getHostName() + ", pid " + ProcessHandle.current().pid();
    }

    @AfterEach
    void letGo() {
        taken.forEach(MigrationLock::close);
        jdbi.useHandle(handle -> handle.execute("DROP ALL OBJECTS"));
    }

    @Test
    void theTableIsMadeAgainWithoutFailing() {
        jdbi.useHandle(MigrationLock::createTable);

        assertThat(query("SELECT COUNT(*) FROM schema_lock")).containsExactly("0");
    }

    @Test
    void aManagerWaitsWhileAnotherHoldsTheLockAndTakesItOnceLetGo() throws Exception {
        MigrationLock first = take(Duration.ZERO);
        ExecutorService second = Executors.newSingleThreadExecutor();
        try {
            Future<MigrationLock> waiting = second.submit(() -> take(Duration.ofSeconds(30)));
            Thread.sleep(1_500);
            assertThat(waiting).isNotDone();

            first.close();
            taken.remove(first);

            assertThat(waiting.get(10, TimeUnit.SECONDS)).isNotNull();
        } finally {
            second.shutdownNow();
        }
    }

    @Test
    void aManagerWaitingLongerThanItMayIsRefusedNamingTheHolder() {
        take(Duration.ZERO);

        assertThatThrownBy(() -> take(Duration.ofSeconds(1)))
                .hasMessage("another manager (" + me + ") held the schema lock for 1 s, applying migrations;"
                        + " it is taken over once its holder has not renewed it for 3 s");
    }

    @Test
    void theHolderKeepsTheLockPastItsLeaseByRenewingIt() throws Exception {
        take(Duration.ZERO);

        Thread.sleep(LEASE.toMillis() * 2);

        assertThatThrownBy(() -> take(Duration.ZERO)).hasMessageStartingWith("another manager (" + me + ") held");
    }

    @Test
    void theLockOfAManagerThatDiedIsTakenOverOnceItExpired() {
        jdbi.useHandle(handle -> handle.execute("INSERT INTO schema_lock (name, holder_id, holder_host, holder_pid,"
                + " expires_at) VALUES ('migrations', 'gone', 'gone.example', 1,"
                + " UNIX_TIMESTAMP(NOW(3)) * 1000.0 + 1000)"));

        take(Duration.ofSeconds(30));

        assertThat(query("SELECT holder_pid FROM schema_lock")).containsExactly(Long.toString(ProcessHandle.current().pid()));
    }

    @Test
    void aHolderWhoseLockWasTakenOverIsRefusedItsNextMigration() throws Exception {
        MigrationLock lock = take(Duration.ZERO);
        jdbi.useHandle(handle -> handle.execute("UPDATE schema_lock SET holder_id = 'other', holder_host ="
                + " 'other.example', holder_pid = 7"));

        Thread.sleep(LEASE.toMillis());

        assertThatThrownBy(lock::requireHeld).isInstanceOf(MigrationLock.Lost.class)
                .hasMessage("the schema lock was taken over by other.example, pid 7: this manager did not renew it"
                        + " within 3 s");
    }

    @Test
    void managersMigratingOneFreshStoreAtOnceEachApplyEveryMigrationOnce() throws Exception {
        Jdbi fresh = Jdbi.create("jdbc:h2:mem:" + UUID.randomUUID() + ";MODE=MariaDB;DATABASE_TO_LOWER=TRUE;"
                + "DB_CLOSE_DELAY=-1");
        int managers = 3;
        ExecutorService starts = Executors.newFixedThreadPool(managers);
        try {
            CountDownLatch ready = new CountDownLatch(managers);
            List<Future<?>> migrations = new ArrayList<>();
            for (int i = 0; i < managers; i++) {
                migrations.add(starts.submit(() -> {
                    ready.countDown();
                    ready.await();
                    Migrations.apply(fresh, true);
                    return null;
                }));
            }
            for (Future<?> migration : migrations) {
                migration.get(1, TimeUnit.MINUTES);
            }

            assertThat(query(fresh, "SELECT name FROM schema_version ORDER BY version"))
                    .containsExactlyElementsOf(Migrations.ALL);
        } finally {
            starts.shutdownNow();
            fresh.useHandle(handle -> handle.execute("DROP ALL OBJECTS"));
        }
    }

    private List<String> query(String sql) {
        return query(jdbi, sql);
    }

    private static List<String> query(Jdbi store, String sql) {
        return store.withHandle(handle -> handle.createQuery(sql).mapTo(String.class).list());
    }

    private MigrationLock take(Duration wait) {
        MigrationLock lock = MigrationLock.take(jdbi, LEASE, wait);
        taken.add(lock);
        return lock;
    }
}
