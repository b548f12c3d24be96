package io.kunlun.core.meta;

import io.kunlun.core.ManagerException;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.JdbiException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.sql.SQLIntegrityConstraintViolationException;
import java.sql.SQLTransactionRollbackException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The one manager allowed to work on a server metadata store: a row in {@code manager_lease}
 * naming its holder, renewed every third of its duration while the manager runs and deleted when
 * it stops. A second manager finds the row unexpired and refuses to start, naming the holder; a
 * row left expired by a manager that died is taken over. A row rather than GET_LOCK, which is
 * local to one Galera member: writes to one row conflict across the whole cluster, so two
 * managers on different members cannot both take it. Times are the database's clock.
 */
public final class ManagerLease implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ManagerLease.class);
    private static final String NAME = "manager";
    private static final String DB_NOW = "CAST(UNIX_TIMESTAMP(NOW(3)) * 1000 AS SIGNED)";
    private static final int ATTEMPTS = 3;

    /** Who holds the lease: a random id, and for people the host, process and its start. */
    record Holder(String id, String host, long pid, long startedAt) {
        static Holder thisProcess() {
            ProcessHandle self = ProcessHandle.current();
            String host;
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (UnknownHostException e) {
                host = "an unknown host";
            }
            long started = self.info().startInstant().orElseGet(Instant::now).toEpochMilli();
            return new Holder(UUID.randomUUID().toString(), host, self.pid(), started);
        }

        String describe() {
            return "host " + host + " pid " + pid + ", started " + Instant.ofEpochMilli(startedAt);
        }
    }

    private final Jdbi jdbi;
    private final String location;
    private final Holder holder;
    private final Duration duration;
    private final ScheduledExecutorService heartbeat;
    /** When the last renewal (or the taking) that the store accepted was sent, by this JVM's clock. */
    private volatile long renewedAtNanos;
    /** The manager that took the lease over; null while this one holds it. */
    private volatile String lostTo;
    private final List<Consumer<String>> onLost = new CopyOnWriteArrayList<>();

    private ManagerLease(Jdbi jdbi, String location, Holder holder, Duration duration, long takenAtNanos) {
        this.jdbi = jdbi;
        this.location = location;
        this.holder = holder;
        this.duration = duration;
        this.renewedAtNanos = takenAtNanos;
        this.heartbeat = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "metadata-lease-heartbeat");
            thread.setDaemon(true);
            return thread;
        });
        long period = Math.max(1, duration.toMillis() / 3);
        heartbeat.scheduleWithFixedDelay(this::renew, period, period, TimeUnit.MILLISECONDS);
    }

    /** Takes the store's lease for this process, or refuses naming the manager that holds it. */
    static ManagerLease take(Jdbi jdbi, String location, Duration duration) {
        Holder me = Holder.thisProcess();
        for (int attempt = 1; ; attempt++) {
            try {
                long sentAt = System.nanoTime();
                jdbi.useTransaction(handle -> takeOrRefuse(handle, location, me, duration));
                return new ManagerLease(jdbi, location, me, duration, sentAt);
            } catch (JdbiException e) {
                // Two managers taking it at once: one commit loses (a deadlock, Galera's
                // certification, a duplicate row), and its next attempt sees the winner.
                if (attempt == ATTEMPTS || !lostARace(e)) {
                    throw new ManagerException(ManagerException.Code.METADATA, "metadata store " + location
                            + ": cannot take the manager's lease: " + MetadataStore.rootMessage(e), e);
                }
            }
        }
    }

    private static void takeOrRefuse(Handle handle, String location, Holder me, Duration duration) {
        long now = handle.createQuery("SELECT " + DB_NOW).mapTo(Long.class).one();
        Optional<Current> current = handle.createQuery("SELECT holder_id, holder_host, holder_pid, holder_started_at,"
                        + " heartbeat_at, expires_at FROM manager_lease WHERE name = :name FOR UPDATE")
                .bind("name", NAME)
                .map((rs, ctx) -> new Current(new Holder(rs.getString(1), rs.getString(2), rs.getLong(3),
                        rs.getLong(4)), rs.getLong(5), rs.getLong(6)))
                .findOne();
        if (current.isPresent() && current.get().expiresAt() > now) {
            Current other = current.get();
            throw new ManagerException(ManagerException.Code.METADATA, "metadata store " + location
                    + " is in use by another manager: " + other.holder().describe() + "; its last heartbeat was "
                    + seconds(now - other.heartbeatAt()) + " s ago and its lease expires in "
                    + seconds(other.expiresAt() - now) + " s. Stop that manager first; one that is gone"
                    + " leaves its lease to expire");
        }
        if (current.isPresent()) {
            LOG.warn("metadata store {}: taking over the lease of a manager that is gone ({}, last heartbeat {} s ago)",
                    location, current.get().holder().describe(), seconds(now - current.get().heartbeatAt()));
            handle.execute("DELETE FROM manager_lease WHERE name = ?", NAME);
        }
        handle.createUpdate("INSERT INTO manager_lease (name, holder_id, holder_host, holder_pid, holder_started_at,"
                        + " heartbeat_at, expires_at) VALUES (:name, :id, :host, :pid, :started, :now, :expires)")
                .bind("name", NAME).bind("id", me.id()).bind("host", me.host()).bind("pid", me.pid())
                .bind("started", me.startedAt()).bind("now", now).bind("expires", now + duration.toMillis())
                .execute();
    }

    private record Current(Holder holder, long heartbeatAt, long expiresAt) {
    }

    private static long seconds(long millis) {
        return Math.max(0, (millis + 999) / 1000);
    }

    private static boolean lostARace(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLTransactionRollbackException
                    || cause instanceof SQLIntegrityConstraintViolationException) {
                return true;
            }
        }
        return false;
    }

    /** Whether this manager still holds the lease: false once another manager took it over. */
    public boolean held() {
        return lostTo == null;
    }

    /**
     * Why this manager must not act now, or empty while it may: another manager took the lease
     * over (for good), or its last renewal the store accepted is older than the lease's duration
     * (by this process's clock, from when that renewal was sent), so that another manager may
     * have taken it meanwhile; that lasts until a renewal succeeds or finds the lease taken.
     */
    public Optional<String> refusal() {
        String taker = lostTo;
        if (taker != null) {
            return Optional.of("this manager lost its lease on the metadata store to " + taker
                    + "; it runs no job and answers no request: send requests to that manager, and stop this one");
        }
        if (System.nanoTime() - renewedAtNanos > duration.toNanos()) {
            return Optional.of("this manager could not renew its lease on the metadata store for more than "
                    + duration.toSeconds() + " s, so another manager may have taken the store over; it acts again"
                    + " once it renews the lease: try again");
        }
        return Optional.empty();
    }

    /** Called once, with the new holder, when another manager took the lease over. */
    public void onLost(Consumer<String> listener) {
        onLost.add(listener);
    }

    private void renew() {
        try {
            long sentAt = System.nanoTime();
            int renewed = jdbi.withHandle(handle -> handle.createUpdate("UPDATE manager_lease SET heartbeat_at = "
                            + DB_NOW + ", expires_at = " + DB_NOW + " + :millis WHERE name = :name AND holder_id = :id")
                    .bind("millis", duration.toMillis()).bind("name", NAME).bind("id", holder.id()).execute());
            if (renewed == 1) {
                renewedAtNanos = sentAt;
                return;
            }
            lostTo = jdbi.withHandle(handle -> handle.createQuery("SELECT holder_host, holder_pid, holder_started_at"
                            + " FROM manager_lease WHERE name = :name")
                    .bind("name", NAME)
                    .map((rs, ctx) -> new Holder("", rs.getString(1), rs.getLong(2), rs.getLong(3)).describe())
                    .findOne()
                    .orElse("another manager (which has since given it up)"));
            LOG.error("metadata store {}: this manager lost its lease to {} (its heartbeat lapsed for more than {} s);"
                    + " it stops acting: no job, no request, no health round; stop it", location, lostTo,
                    duration.toSeconds());
            heartbeat.shutdown();
            onLost.forEach(listener -> listener.accept(lostTo));
        } catch (RuntimeException e) {
            LOG.warn("metadata store {}: cannot renew the manager's lease: {}", location, MetadataStore.rootMessage(e));
        }
    }

    /** Stops the heartbeat and gives the lease up, so that the next manager can start at once. */
    @Override
    public void close() {
        heartbeat.shutdownNow();
        try {
            heartbeat.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (lostTo != null) {
            return;
        }
        try {
            jdbi.useHandle(handle -> handle.execute("DELETE FROM manager_lease WHERE name = ? AND holder_id = ?",
                    NAME, holder.id()));
        } catch (RuntimeException e) {
            LOG.warn("metadata store {}: cannot give the manager's lease up (it expires in at most {} s): {}",
                    location, duration.toSeconds(), MetadataStore.rootMessage(e));
        }
    }
}
