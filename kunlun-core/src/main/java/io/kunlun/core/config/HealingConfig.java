package io.kunlun.core.config;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.time.Duration;

/**
 * The keepalive: whether the health monitor starts again an instance it finds not running
 * although nobody stopped it, and how often at most: {@code max_restarts} within
 * {@code window_seconds}; one more death within the window marks the instance failed and leaves
 * it alone until control_instance starts it. And whether an rbr shard whose primary every replica
 * lost gets a new primary on its own ({@code failover}). {@code missed_probes}: how many health
 * rounds in a row must find an instance down before it is dealt with as dead (a primary whose
 * server is gone is at once). {@code monitor}: whether the leader runs the health rounds at all;
 * off, nothing is probed, so nothing is healed either (a benchmark's simulated fleet, whose
 * machines do not exist, must not be probed). Left out: all on, 3 restarts in 600 s, 2 missed
 * probes.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record HealingConfig(
        @JsonProperty("keepalive") Boolean keepalive,
        @JsonProperty("failover") Boolean failover,
        @JsonProperty("max_restarts") int maxRestarts,
        @JsonProperty("window_seconds") int windowSeconds,
        @JsonProperty("missed_probes") int missedProbes,
        @JsonProperty("monitor") Boolean monitor) {
    public HealingConfig {
        monitor = monitor == null || monitor;
        keepalive = keepalive == null || keepalive;
        failover = failover == null || failover;
        maxRestarts = maxRestarts <= 0 ? 3 : maxRestarts;
        windowSeconds = windowSeconds <= 0 ? 600 : windowSeconds;
        missedProbes = missedProbes <= 0 ? 2 : missedProbes;
    }

    /** With the default number of missed probes, the health monitor on. */
    public HealingConfig(Boolean keepalive, Boolean failover, int maxRestarts, int windowSeconds) {
        this(keepalive, failover, maxRestarts, windowSeconds, 0, null);
    }

    public static HealingConfig defaults() {
        return new HealingConfig(null, null, 0, 0, 0, null);
    }

    public Duration window() {
        return Duration.ofSeconds(windowSeconds);
    }
}
