package io.kunlun.core.meta;

import io.kunlun.core.ManagerException;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Versioned schema migrations, applied in order at start, each in its own transaction where the
 * server allows. The same SQL files serve H2 (MariaDB mode) and MySQL/MariaDB.
 */
final class Migrations {
    /** Every migration, oldest first: resources {@code migrations/V<n>__<name>.sql}. */
    static final List<String> ALL = List.of("V1__foundation", "V2__clusters", "V3__exporters",
            "V4__manager_lease", "V5__job_rollback", "V6__machine_ports", "V7__healing_events", "V8__os_accounts",
            "V9__leader_election", "V10__installation", "V11__fleet_indexes", "V12__retention_indexes",
            "V13__job_completion");
    /** How long a manager waits for another's migrations: several, on a large store, each replicated first. */
    private static final Duration LOCK_WAIT = Duration.ofMinutes(2);
    /** How long the lock of a manager that died holds the others back. */
    private static final Duration LOCK_LEASE = Duration.ofSeconds(30);
    /**
     * As long as the lock's wait: the manager behind collides with each migration the one ahead
     * is applying until the one ahead has applied them all, each DDL replicated to every Galera
     * member first; 30 s was once too short on a loaded machine (GaleraMetadataStoreTest:
     * "Duplicate column name 'os_account'").
     */
    private static final Duration COLLISION_PATIENCE = LOCK_WAIT;
    private static final Duration COLLISION_PAUSE = Duration.ofMillis(500);
    /** Table exists, duplicate column, duplicate key name, duplicate entry, deadlock (Galera's certification). */
    private static final Set<Integer> COLLISIONS = Set.of(1050, 1060, 1061, 1062, 1213);

    private Migrations() {
    }

    /**
     * Applies what the store lacks. On a database server several managers may start at once:
     * {@code serverLock} makes them take turns under {@link MigrationLock}, a row that holds
     * across every member of a Galera group, each reading what is applied once it holds it
     * (MariaDB does not roll DDL back, so two appliers of one migration would collide half-way).
     * The embedded store belongs to one process and needs none.
     *
     * <p>Two managers can still apply one migration at once: a holder whose renewals stopped for
     * longer than the lock's lease (a DDL that holds up the whole Galera group, a frozen process)
     * loses it to the next, and a manager of a version before this lock takes only GET_LOCK. The
     * one behind then finds a table (a column, a row) that the other made, and reads again what is
     * applied until the other has recorded the migration.
     */
    static void apply(Jdbi jdbi, boolean serverLock) {
        if (!serverLock) {
            jdbi.useHandle(handle -> applyMissing(handle, () -> { }));
            return;
        }
        jdbi.useHandle(MigrationLock::createTable);
        long deadline = System.nanoTime() + COLLISION_PATIENCE.toNanos();
        while (true) {
            try (MigrationLock lock = MigrationLock.take(jdbi, LOCK_LEASE, LOCK_WAIT)) {
                jdbi.useHandle(handle -> applyMissing(handle, lock::requireHeld));
                return;
            } catch (RuntimeException e) {
                if (!(collided(e) || e instanceof MigrationLock.Lost) || System.nanoTime() > deadline) {
                    throw e;
                }
                try {
                    Thread.sleep(COLLISION_PAUSE.toMillis());
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /** What another manager applying the same migration makes happen: its objects exist already. */
    private static boolean collided(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLException sql && COLLISIONS.contains(sql.getErrorCode())) {
                return true;
            }
        }
        return false;
    }

    /** Each migration the store lacks, in order, each once {@code stillAllowed} has not refused it. */
    private static void applyMissing(Handle handle, Runnable stillAllowed) {
        handle.execute("CREATE TABLE IF NOT EXISTS schema_version ("
                + "version INT NOT NULL PRIMARY KEY, name VARCHAR(200) NOT NULL, applied_at BIGINT NOT NULL)");
        Set<Integer> applied = handle.createQuery("SELECT version FROM schema_version")
                .mapTo(Integer.class).collect(Collectors.toSet());
        for (String migration : ALL) {
            int version = Integer.parseInt(migration.substring(1, migration.indexOf("__")));
            if (!applied.contains(version)) {
                stillAllowed.run();
                apply(handle, version, migration);
            }
        }
    }

    private static void apply(Handle handle, int version, String migration) {
        String script = read(migration);
        handle.useTransaction(tx -> {
            for (String statement : statements(script)) {
                tx.execute(statement);
            }
            tx.execute("INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)",
                    version, migration, System.currentTimeMillis());
        });
    }

    /** Statements end with ';' at the end of a line; '--' lines are comments. */
    static List<String> statements(String script) {
        String withoutComments = script.lines()
                .filter(line -> !line.stripLeading().startsWith("--"))
                .collect(Collectors.joining("\n"));
        return Arrays.stream(withoutComments.split(";\\s*(\\n|$)"))
                .map(String::strip)
                .filter(statement -> !statement.isEmpty())
                .toList();
    }

    private static String read(String migration) {
        String resource = "migrations/" + migration + ".sql";
        try (InputStream in = Migrations.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new ManagerException(ManagerException.Code.INTERNAL, "migration " + resource + " is missing");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ManagerException(ManagerException.Code.INTERNAL, "cannot read migration " + resource, e);
        }
    }
}
