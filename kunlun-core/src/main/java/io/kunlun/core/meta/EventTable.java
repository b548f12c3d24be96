package io.kunlun.core.meta;

import org.jdbi.v3.core.Jdbi;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * What the manager did on its own to keep instances running (see the keepalive and the
 * failover in {@code monitor}): one row per restart, failed restart, give-up, failover or
 * rejoin, never updated.
 */
public final class EventTable {
    private final Jdbi jdbi;

    EventTable(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /** What happened to the instance. */
    public enum Kind {
        /** Found not running, and started again. */
        RESTARTED,
        /** Found not running; starting it again failed. */
        RESTART_FAILED,
        /**
         * A Galera member found not running while its whole group is down, whose start waits for the
         * member with more recent data to start the group: not counted by the restart limit.
         */
        RESTART_DEFERRED,
        /** Found not running once more than the restart limit allows: marked failed and left alone. */
        GAVE_UP,
        /** An rbr primary every replica lost: a replica was promoted in its place. */
        FAILED_OVER,
        /**
         * A primary lost by the manager that no replica can replace (none confirms the loss, or one still
         * receives from it): recorded once per outage.
         */
        FAILOVER_REFUSED,
        /** A failover the replicas confirmed did not finish (its job says where it stopped); the next round tries again. */
        FAILOVER_FAILED,
        /** An old rbr primary running again after a failover became a replica of the new primary. */
        REJOINED,
        /** An old rbr primary running again holds transactions the new primary lacks: left read-only, detached. */
        REJOIN_REFUSED;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Kind fromWire(String value) {
            return valueOf(value.toUpperCase(Locale.ROOT));
        }
    }

    public record Event(Instant time, String clusterName, String hostaddr, int port, Kind kind, String detail) {
        public String instance() {
            return hostaddr + ":" + port;
        }
    }

    public void record(Event event) {
        jdbi.useHandle(handle -> handle.createUpdate("INSERT INTO healing_event (happened_at, cluster_name,"
                        + " hostaddr, port, kind, detail) VALUES (:at, :cluster, :host, :port, :kind, :detail)")
                .bind("at", event.time().toEpochMilli()).bind("cluster", event.clusterName())
                .bind("host", event.hostaddr()).bind("port", event.port()).bind("kind", event.kind().wireName())
                .bind("detail", event.detail()).execute());
    }

    /** The newest {@code limit} events, newest first, of every cluster or only one's. */
    public List<Event> newest(Optional<String> clusterName, int limit) {
        return jdbi.withHandle(handle -> handle.createQuery("SELECT * FROM healing_event"
                        + (clusterName.isPresent() ? " WHERE cluster_name = :cluster" : "")
                        + " ORDER BY seq DESC LIMIT :limit")
                .bind("cluster", clusterName.orElse(null)).bind("limit", limit)
                .map((rs, ctx) -> new Event(Instant.ofEpochMilli(rs.getLong("happened_at")),
                        rs.getString("cluster_name"), rs.getString("hostaddr"), rs.getInt("port"),
                        Kind.fromWire(rs.getString("kind")), rs.getString("detail")))
                .list());
    }

    /**
     * How many restarts (successful or not) of the instance happened since {@code since} and
     * after its last give-up: a give-up ends the count, so that an instance started again by
     * control_instance gets the whole limit anew.
     */
    public int restartsSince(String clusterName, String hostaddr, int port, Instant since) {
        return jdbi.withHandle(handle -> handle.createQuery("SELECT COUNT(*) FROM healing_event"
                        + " WHERE cluster_name = :cluster AND hostaddr = :host AND port = :port AND kind IN ('restarted', 'restart_failed')"
                        + " AND happened_at >= :since AND seq > COALESCE((SELECT MAX(seq) FROM healing_event"
                        + " WHERE cluster_name = :cluster AND hostaddr = :host AND port = :port AND kind = 'gave_up'), 0)")
                .bind("cluster", clusterName).bind("host", hostaddr).bind("port", port).bind("since", since.toEpochMilli())
                .mapTo(Integer.class).one());
    }
}
