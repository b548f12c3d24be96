package io.kunlun.core.meta;

import io.kunlun.core.ManagerException;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.JdbiException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Leader election among the managers of one metadata store. Every manager has a row in
 * {@code manager_member} (its address and heartbeat); one of them, the leader, holds the row of
 * {@code manager_lease}: its id, an expiry and a fencing number. Every {@link #renewEvery} the
 * leader pushes its expiry a lease's duration ahead; a follower takes the lease over once it has
 * expired (by the database's clock), raising the fencing number by one. A row rather than
 * GET_LOCK, which is local to one Galera member: writes to one row conflict across the whole
 * cluster, so two managers on different members cannot both take it.
 *
 * <p>A leader acts only while its last renewal the store accepted is younger than the lease's
 * duration less one renewal period, by its own clock from when that renewal was sent: it stops
 * before the store lets anyone take over. A renewal that finds the lease held by another makes it
 * a follower. On the embedded store the file lock already keeps every other manager out: the
 * manager takes the lease at once and never loses it.
 */
public final class ManagerLease implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ManagerLease.class);
    private static final String NAME = "manager";
    private static final String DB_NOW = "CAST(UNIX_TIMESTAMP(NOW(3)) * 1000 AS SIGNED)";
    /** The longest pause between two heartbeats. */
    private static final Duration RENEW_EVERY = Duration.ofSeconds(1);
    /** A manager whose heartbeat is older than this many lease durations is taken off the list. */
    private static final int FORGET_AFTER_LEASES = 10;

    /** What the manager does when it becomes leader (with its fencing number) and when it stops leading. */
    public interface Listener {
        void leading(long fencing);

        void following(String leader);
    }

    /** One manager on the store, for list_managers. */
    public record Member(String address, boolean leader, Instant lastHeartbeat, long fencing, String host,
                         long pid) {
    }

    private record Holder(String id, String address, String host, long pid, long startedAt) {
        static Holder thisProcess(String address) {
            ProcessHandle self = ProcessHandle.current();
            String host;
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (UnknownHostException e) {
                host = "an unknown host";
            }
            long started = self.info().startInstant().orElseGet(Instant::now).toEpochMilli();
            return new Holder(UUID.randomUUID().toString(), address, host, self.pid(), started);
        }
    }

    private final Jdbi jdbi;
    private final String location;
    private final Holder me;
    private final Duration duration;
    private final Duration renewEvery;
    /** The embedded store: no other manager can open it, so the lease is taken at once and kept. */
    private final boolean exclusive;
    private final Listener listener;
    private final ScheduledExecutorService heartbeat;
    private final AtomicLong renewals = new AtomicLong();
    /** The fencing number of this manager's term as leader; 0 while it follows. */
    private volatile long fencing;
    /** When the last renewal (or the taking) that the store accepted was sent, by this JVM's clock. */
    private volatile long renewedAtNanos;

    private ManagerLease(Jdbi jdbi, String location, Holder me, Duration duration, boolean exclusive,
                         Listener listener) {
        this.jdbi = jdbi;
        this.location = location;
        this.me = me;
        this.duration = duration;
        this.renewEvery = renewEvery(duration);
        this.exclusive = exclusive;
        this.listener = listener;
        this.heartbeat = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "metadata-lease-heartbeat");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** A renewal every second, or every third of a shorter lease. */
    static Duration renewEvery(Duration lease) {
        return Duration.ofMillis(Math.min(RENEW_EVERY.toMillis(), Math.max(1, lease.toMillis() / 3)));
    }

    /**
     * Enters this manager on the store's list and starts its heartbeat: the first one here, so a
     * manager that finds the lease free (or is alone on the embedded store) leads when this returns.
     */
    static ManagerLease join(Jdbi jdbi, String location, String address, Duration duration, boolean exclusive,
                             Listener listener) {
        ManagerLease lease = new ManagerLease(jdbi, location, Holder.thisProcess(address), duration, exclusive,
                listener);
        try {
            lease.jdbi.useHandle(lease::enter);
        } catch (JdbiException e) {
            throw new ManagerException(ManagerException.Code.METADATA, "metadata store " + location
                    + ": cannot enter this manager on its list: " + MetadataStore.rootMessage(e), e);
        }
        lease.beat();
        lease.heartbeat.scheduleWithFixedDelay(lease::beat, lease.renewEvery.toMillis(), lease.renewEvery.toMillis(),
                TimeUnit.MILLISECONDS);
        return lease;
    }

    private String now() {
        // H2 has no UNIX_TIMESTAMP with milliseconds; on it the manager's clock is the only one anyway.
        return exclusive ? Long.toString(System.currentTimeMillis()) : DB_NOW;
    }

    private void enter(Handle handle) {
        handle.createUpdate("INSERT INTO manager_member (id, address, host, pid, started_at, heartbeat_at, fencing)"
                        + " VALUES (:id, :address, :host, :pid, :started, " + now() + ", 0)")
                .bind("id", me.id()).bind("address", me.address()).bind("host", me.host()).bind("pid", me.pid())
                .bind("started", me.startedAt()).execute();
    }

    /** One heartbeat: renew (or lose) the lease when leading, else try to take it; then this manager's own row. */
    private void beat() {
        try {
            long sentAt = System.nanoTime();
            if (fencing != 0) {
                renewOrLose(sentAt);
            } else {
                tryToLead(sentAt);
            }
            jdbi.useHandle(handle -> {
                if (handle.createUpdate("UPDATE manager_member SET heartbeat_at = " + now()
                                + ", fencing = GREATEST(fencing, :fencing) WHERE id = :id")
                        .bind("fencing", fencing).bind("id", me.id()).execute() == 0) {
                    // Taken off the list by a leader that had not heard from it (it was frozen): back on it.
                    handle.execute("DELETE FROM manager_member WHERE id = ?", me.id());
                    enter(handle);
                }
                if (fencing != 0) {
                    handle.createUpdate("DELETE FROM manager_member WHERE heartbeat_at < " + now() + " - :age")
                            .bind("age", duration.toMillis() * FORGET_AFTER_LEASES).execute();
                }
            });
        } catch (RuntimeException e) {
            LOG.warn("metadata store {}: heartbeat failed: {}", location, MetadataStore.rootMessage(e));
        }
    }

    private void renewOrLose(long sentAt) {
        long term = fencing;
        int renewed = jdbi.withHandle(handle -> handle.createUpdate("UPDATE manager_lease SET heartbeat_at = "
                        + now() + ", expires_at = " + now() + " + :millis"
                        + " WHERE name = :name AND holder_id = :id AND fencing = :fencing")
                .bind("millis", duration.toMillis()).bind("name", NAME).bind("id", me.id()).bind("fencing", term)
                .execute());
        if (renewed == 1) {
            renewedAtNanos = sentAt;
            renewals.incrementAndGet();
            return;
        }
        fencing = 0;
        String leader = leaderAddress().orElse("no manager (the lease is free)");
        LOG.error("metadata store {}: this manager lost the lead (fencing number {}) to {}; it follows now: it runs"
                + " no job and no health round", location, term, leader);
        listener.following(leader);
    }

    private void tryToLead(long sentAt) {
        String takeable = exclusive ? "" : " AND expires_at < " + now();
        Optional<Long> taken = jdbi.inTransaction(handle -> {
            Optional<String> previous = handle.createQuery("SELECT holder_id FROM manager_lease WHERE name = :name")
                    .bind("name", NAME).mapTo(String.class).findOne();
            int updated = handle.createUpdate("UPDATE manager_lease SET holder_id = :id, holder_host = :host,"
                            + " holder_pid = :pid, holder_started_at = :started, heartbeat_at = " + now() + ","
                            + " expires_at = " + now() + " + :millis, fencing = fencing + 1 WHERE name = :name"
                            + takeable)
                    .bind("id", me.id()).bind("host", me.host()).bind("pid", me.pid())
                    .bind("started", me.startedAt()).bind("millis", duration.toMillis()).bind("name", NAME)
                    .execute();
            if (updated == 0 && previous.isPresent()) {
                return Optional.<Long>empty();
            }
            if (updated == 0) {
                handle.createUpdate("INSERT INTO manager_lease (name, holder_id, holder_host, holder_pid,"
                                + " holder_started_at, heartbeat_at, expires_at, fencing) VALUES (:name, :id, :host,"
                                + " :pid, :started, " + now() + ", " + now() + " + :millis, 1)")
                        .bind("name", NAME).bind("id", me.id()).bind("host", me.host()).bind("pid", me.pid())
                        .bind("started", me.startedAt()).bind("millis", duration.toMillis()).execute();
            }
            if (previous.isPresent() && !exclusive) {
                LOG.warn("metadata store {}: the lease of manager {} expired; this manager takes the lead over",
                        location, previous.get());
            }
            return Optional.of(handle.createQuery("SELECT fencing FROM manager_lease WHERE name = :name")
                    .bind("name", NAME).mapTo(Long.class).one());
        });
        if (taken.isEmpty()) {
            return;
        }
        renewedAtNanos = sentAt;
        fencing = taken.get();
        LOG.info("metadata store {}: this manager ({}) leads, fencing number {}", location, me.address(), fencing);
        listener.leading(fencing);
    }

    /** The leader's address, while the lease is held by a manager that has not let it expire. */
    private Optional<String> leaderAddress() {
        return members(jdbi, exclusive).stream().filter(Member::leader).map(Member::address).findFirst();
    }

    /** The fencing number of this manager's term while it leads and may act; empty otherwise. */
    public Optional<Long> leading() {
        long term = fencing;
        return term != 0 && refusal().isEmpty() ? Optional.of(term) : Optional.empty();
    }

    /** Whether this manager holds the lease (it may still have to wait for a renewal to act). */
    public boolean leader() {
        return fencing != 0;
    }

    /** How many renewals the store accepted. */
    public long renewals() {
        return renewals.get();
    }

    /**
     * Why this manager must not act on its own now (run jobs, health rounds, commands), or empty
     * while it may: it follows, or its last renewal the store accepted is older than the lease's
     * duration less one renewal period (by this process's clock, from when that renewal was sent),
     * so that the lease may end before its next step does.
     */
    public Optional<String> refusal() {
        if (fencing == 0) {
            return Optional.of("this manager is not the leader on the metadata store: the leader runs the jobs and"
                    + " acts on the machines");
        }
        if (!exclusive && System.nanoTime() - renewedAtNanos > duration.minus(renewEvery).toNanos()) {
            return Optional.of("this manager could not renew its lead on the metadata store for more than "
                    + duration.minus(renewEvery).toMillis() / 1000.0 + " s, so another manager may take it over;"
                    + " it acts again once it renews the lease");
        }
        return Optional.empty();
    }

    /**
     * As {@link #refusal()}, but a leader whose renewal is late (its store slow, its process
     * starved) first waits, up to the lease's duration, until it renews or learns it lost the
     * lead: its work is held through a short hiccup rather than failed. A follower is refused at once.
     */
    public Optional<String> refusalAfterWaiting() {
        long deadline = System.nanoTime() + duration.toNanos();
        Optional<String> refusal = refusal();
        while (refusal.isPresent() && fencing != 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return refusal;
            }
            refusal = refusal();
        }
        return refusal;
    }

    /** Every manager on the store, the leader first, then by address. */
    static List<Member> members(Jdbi jdbi, boolean exclusive) {
        String now = exclusive ? Long.toString(System.currentTimeMillis()) : DB_NOW;
        return jdbi.withHandle(handle -> handle.createQuery("SELECT m.address, m.heartbeat_at, m.fencing, m.host,"
                        + " m.pid, CASE WHEN l.holder_id = m.id AND l.expires_at > " + now + " THEN 1 ELSE 0 END"
                        + " AS is_leader FROM manager_member m LEFT JOIN manager_lease l ON l.name = :name"
                        + " ORDER BY is_leader DESC, m.address, m.pid")
                .bind("name", NAME)
                .map((rs, ctx) -> new Member(rs.getString(1), rs.getInt(6) == 1, Instant.ofEpochMilli(rs.getLong(2)),
                        rs.getLong(3), rs.getString(4), rs.getLong(5)))
                .list());
    }

    /**
     * Stops the heartbeat, lets the lease expire at once when leading (keeping its fencing number,
     * so the next leader's is higher) and leaves the list, so that another manager leads at once.
     */
    @Override
    public void close() {
        heartbeat.shutdownNow();
        try {
            heartbeat.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        long term = fencing;
        fencing = 0;
        try {
            jdbi.useHandle(handle -> {
                handle.execute("UPDATE manager_lease SET expires_at = 0 WHERE name = ? AND holder_id = ? AND fencing = ?",
                        NAME, me.id(), term);
                handle.execute("DELETE FROM manager_member WHERE id = ?", me.id());
            });
        } catch (RuntimeException e) {
            LOG.warn("metadata store {}: cannot give the lead up (it expires in at most {} s): {}",
                    location, duration.toSeconds(), MetadataStore.rootMessage(e));
        }
    }
}
