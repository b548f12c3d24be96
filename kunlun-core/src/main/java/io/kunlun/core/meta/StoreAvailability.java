package io.kunlun.core.meta;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Whether the metadata store can be reached, judged by each new physical connection: one that
 * fails starts an outage, the next one that succeeds ends it. Each change is logged once.
 */
final class StoreAvailability {
    private static final Logger LOG = LoggerFactory.getLogger(StoreAvailability.class);

    private final String location;
    private Instant downSince;
    private String reason;
    private long outages;

    StoreAvailability(String location) {
        this.location = location;
    }

    String location() {
        return location;
    }

    synchronized void connected() {
        if (downSince != null) {
            LOG.info("metadata store {} is reachable again after {} s", location,
                    Duration.between(downSince, Instant.now()).toSeconds());
            downSince = null;
            reason = null;
        }
    }

    synchronized void failed(Exception e) {
        reason = e.getMessage();
        if (downSince == null) {
            downSince = Instant.now();
            outages++;
            LOG.warn("metadata store {} is unreachable: {}; requests fail until it is back, jobs wait for it",
                    location, reason);
        }
    }

    synchronized boolean up() {
        return downSince == null;
    }

    synchronized long outages() {
        return outages;
    }

    /** Why the last connection failed, while the store is down. */
    synchronized Optional<String> reason() {
        return Optional.ofNullable(reason);
    }
}
