package io.kunlun.core.meta;

import io.kunlun.core.ManagerException;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The lock under which one manager at a time applies migrations to a server store: the row
 * {@code migrations} of {@code schema_lock}, naming its holder, with an expiry the holder pushes
 * ahead while it migrates. A row rather than GET_LOCK, which is local to one Galera member: two
 * managers on different members cannot both write the row (one loses Galera's certification), as
 * with {@link ManagerLease}. A holder that dies leaves a row that expires: the next manager takes
 * it over once it has. Times are the database's clock, in milliseconds since the epoch.
 *
 * <p>The table is made before any migration ({@link #createTable}, idempotent), since the first
 * migration of a fresh store needs the lock too; it is not a migration itself.
 */
final class MigrationLock implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MigrationLock.class);
    static final String NAME = "migrations";
    /**
     * A decimal, not CAST AS SIGNED: H2 (on which the lock is tested) answers UNIX_TIMESTAMP and
     * SIGNED as INTs, which milliseconds overflow. It is stored into, and compared with, BIGINTs.
     */
    private static final String DB_NOW = "(UNIX_TIMESTAMP(NOW(3)) * 1000.0)";
    private static final Duration PAUSE = Duration.ofMillis(500);

    private final Jdbi jdbi;
    private final String id = UUID.randomUUID().toString();
    private final Duration lease;
    private final ScheduledExecutorService renewal;
    /** Set by a renewal that found the row held by another manager (this one's lease had expired). */
    private volatile Optional<String> lostTo = Optional.empty();

    private MigrationLock(Jdbi jdbi, Duration lease) {
        this.jdbi = jdbi;
        this.lease = lease;
        this.renewal = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "metadata-migration-lock");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** The table of the lock, made when missing: by every manager, before it takes the lock. */
    static void createTable(Handle handle) {
        handle.execute("CREATE TABLE IF NOT EXISTS schema_lock (name VARCHAR(32) NOT NULL PRIMARY KEY,"
                + " holder_id VARCHAR(64) NOT NULL, holder_host VARCHAR(255) NOT NULL, holder_pid BIGINT NOT NULL,"
                + " expires_at BIGINT NOT NULL)");
    }

    /**
     * Takes the lock, waiting up to {@code wait} while another manager holds it (an expired
     * holder's is taken over), and renews it every third of {@code lease} until closed. Refused,
     * naming the holder, when the wait ends first.
     */
    static MigrationLock take(Jdbi jdbi, Duration lease, Duration wait) {
        MigrationLock lock = new MigrationLock(jdbi, lease);
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            Optional<String> holder = jdbi.withHandle(lock::tryToTake);
            if (holder.isEmpty()) {
                break;
            }
            if (System.nanoTime() > deadline) {
                throw new ManagerException(ManagerException.Code.METADATA, "another manager (" + holder.get()
                        + ") held the schema lock for " + wait.toSeconds() + " s, applying migrations;"
                        + " it is taken over once its holder has not renewed it for " + lease.toSeconds() + " s");
            }
            try {
                Thread.sleep(PAUSE.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ManagerException(ManagerException.Code.METADATA, "interrupted waiting for the schema lock"
                        + " held by " + holder.get());
            }
        }
        long every = Math.max(1, lease.toMillis() / 3);
        lock.renewal.scheduleWithFixedDelay(lock::renew, every, every, TimeUnit.MILLISECONDS);
        return lock;
    }

    /** Empty once this manager holds the row; else who holds it (host and pid). */
    private Optional<String> tryToTake(Handle handle) {
        Optional<String> holder = handle.createQuery("SELECT CONCAT(holder_host, ', pid ', holder_pid) FROM schema_lock"
                        + " WHERE name = :name AND expires_at >= " + DB_NOW)
                .bind("name", NAME).mapTo(String.class).findOne();
        if (holder.isPresent()) {
            return holder;
        }
        Host me = Host.thisProcess();
        int taken = handle.createUpdate("UPDATE schema_lock SET holder_id = :id, holder_host = :host,"
                        + " holder_pid = :pid, expires_at = " + DB_NOW + " + :millis"
                        + " WHERE name = :name AND expires_at < " + DB_NOW)
                .bind("id", id).bind("host", me.name()).bind("pid", me.pid()).bind("millis", lease.toMillis())
                .bind("name", NAME).execute();
        if (taken == 1) {
            return Optional.empty();
        }
        try {
            handle.createUpdate("INSERT INTO schema_lock (name, holder_id, holder_host, holder_pid, expires_at)"
                            + " VALUES (:name, :id, :host, :pid, " + DB_NOW + " + :millis)")
                    .bind("name", NAME).bind("id", id).bind("host", me.name()).bind("pid", me.pid())
                    .bind("millis", lease.toMillis()).execute();
            return Optional.empty();
        } catch (RuntimeException e) {
            if (duplicate(e)) {
                // Another manager wrote the row between the read and the insert: it holds the lock.
                return Optional.of("another manager that has just taken it");
            }
            throw e;
        }
    }

    private static boolean duplicate(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLException sql && sql.getSQLState() != null && sql.getSQLState().startsWith("23")) {
                return true;
            }
        }
        return false;
    }

    private void renew() {
        try {
            int renewed = jdbi.withHandle(handle -> handle.createUpdate("UPDATE schema_lock SET expires_at = "
                            + DB_NOW + " + :millis WHERE name = :name AND holder_id = :id")
                    .bind("millis", lease.toMillis()).bind("name", NAME).bind("id", id).execute());
            if (renewed == 0) {
                String holder = jdbi.withHandle(handle -> handle.createQuery("SELECT CONCAT(holder_host, ', pid ',"
                        + " holder_pid) FROM schema_lock WHERE name = :name").bind("name", NAME)
                        .mapTo(String.class).findOne()).orElse("no manager");
                lostTo = Optional.of(holder);
                renewal.shutdown();
            }
        } catch (RuntimeException e) {
            LOG.warn("cannot renew the schema lock (it expires {} s after its last renewal): {}", lease.toSeconds(),
                    MetadataStore.rootMessage(e));
        }
    }

    /**
     * Refuses to go on once a renewal found the lock taken over (this manager did not renew it
     * within its lease, and another took it): that one applies the migrations now.
     */
    void requireHeld() {
        lostTo.ifPresent(holder -> {
            throw new Lost("the schema lock was taken over by " + holder + ": this manager did not renew it within "
                    + lease.toSeconds() + " s");
        });
    }

    /**
     * Stops renewing and lets the lock go, so that the next manager takes it at once. A store that
     * does not answer now is no reason to fail a start whose migrations are applied: the lock then
     * expires within its lease.
     */
    @Override
    public void close() {
        renewal.shutdownNow();
        try {
            renewal.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            jdbi.useHandle(handle -> handle.execute("UPDATE schema_lock SET expires_at = 0 WHERE name = ?"
                    + " AND holder_id = ?", NAME, id));
        } catch (RuntimeException e) {
            LOG.warn("cannot let the schema lock go (it expires within {} s): {}", lease.toSeconds(),
                    MetadataStore.rootMessage(e));
        }
    }

    /** This manager's lock was taken over while it held it. */
    static final class Lost extends ManagerException {
        Lost(String message) {
            super(Code.METADATA, message);
        }
    }

    private record Host(String name, long pid) {
        static Host thisProcess() {
            String name;
            try {
                name = InetAddress.getLocalHost().getHostName();
            } catch (UnknownHostException e) {
                name = "an unknown host";
            }
            return new Host(name, ProcessHandle.current().pid());
        }
    }
}
