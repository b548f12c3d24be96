package io.kunlun.core.monitor;

import io.kunlun.core.meta.MetadataStore;
import io.kunlun.core.meta.StoreStatus;
import io.kunlun.model.InstanceKind;
import io.kunlun.model.InstanceStatus;
import io.kunlun.model.job.JobStatus;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The manager's own metrics, served as {@code GET /metrics} by the HTTP adapter: jobs by type and
 * result, job run times, instances by status (read from the metadata at each scrape), the
 * requests the adapter answered, and the metadata store's state: reachable or not, outages since
 * start, its connection pools, its lease. Each manager has its own registry, so that two managers in one
 * JVM (tests, an embedding application) never count into each other.
 */
public final class ManagerMetrics {
    /** The path the adapter serves the metrics on, and the path Prometheus scrapes. */
    public static final String PATH = "/metrics";

    /** Seconds: from a machine check (under a second) to a cluster restore (an hour). */
    private static final double[] JOB_SECONDS_BUCKETS = {0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600};

    /** Seconds: a promotion on a quiet shard (under a second) to one waiting for a replica's backlog. */
    private static final double[] FAILOVER_SECONDS_BUCKETS = {0.25, 0.5, 1, 2, 3, 5, 10, 30, 60};

    /** Rendered metrics: the bytes and the Content-Type to send them with. */
    public record Exposition(String contentType, byte[] body) {
    }

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
    private final Counter jobsEnded;
    private final Histogram jobSeconds;
    private final Counter httpRequests;
    private final Counter instanceRestarts;
    private final Counter instanceGiveUps;
    private final Counter failovers;
    private final Histogram failoverSeconds;
    private final Counter healthRounds;
    private volatile Optional<String> scrapeBearerToken = Optional.empty();

    /** @param instancesByStatus how many instances have each status now; called at every scrape */
    public ManagerMetrics(Supplier<Map<InstanceStatus, Integer>> instancesByStatus) {
        jobsEnded = Counter.builder()
                .name("kunlun_jobs_total")
                .help("Jobs that ended, by job type and result (done or failed)")
                .labelNames("job_type", "result")
                .register(registry);
        jobSeconds = Histogram.builder()
                .name("kunlun_job_duration_seconds")
                .help("How long jobs ran, from their start to their end, by job type")
                .labelNames("job_type")
                .classicOnly()
                .classicUpperBounds(JOB_SECONDS_BUCKETS)
                .register(registry);
        httpRequests = Counter.builder()
                .name("kunlun_http_requests_total")
                .help("HTTP requests answered, by handler (api or metrics) and status code")
                .labelNames("handler", "code")
                .register(registry);
        instanceRestarts = Counter.builder()
                .name("kunlun_instance_restarts_total")
                .help("Instances the keepalive started again after finding them dead, by instance kind"
                        + " (storage or comp) and result (done or failed)")
                .labelNames("kind", "result")
                .register(registry);
        instanceGiveUps = Counter.builder()
                .name("kunlun_instance_give_ups_total")
                .help("Instances the keepalive marked failed after its restart limit, by instance kind")
                .labelNames("kind")
                .register(registry);
        failovers = Counter.builder()
                .name("kunlun_failovers_total")
                .help("rbr primaries the manager replaced on its own (automatic failover)")
                .register(registry);
        failoverSeconds = Histogram.builder()
                .name("kunlun_failover_seconds")
                .help("How long each automatic rbr failover took, from the decision to the comps following the"
                        + " new primary")
                .classicOnly()
                .classicUpperBounds(FAILOVER_SECONDS_BUCKETS)
                .register(registry);
        healthRounds = Counter.builder()
                .name("kunlun_health_rounds_total")
                .help("Rounds of the health monitor over every instance this manager started: only a leader"
                        + " runs them, so a follower's count stays still")
                .register(registry);
        GaugeWithCallback.builder()
                .name("kunlun_instances")
                .help("Database instances recorded in the metadata, by status")
                .labelNames("status")
                .callback(callback -> {
                    Map<InstanceStatus, Integer> counts;
                    try {
                        counts = instancesByStatus.get();
                    } catch (RuntimeException e) {
                        if (MetadataStore.unavailability(e).isPresent() || MetadataStore.refusedForTheLease(e)) {
                            // No counts while the store cannot be reached (kunlun_metadata_store_up
                            // says so), or may not be read.
                            return;
                        }
                        throw e;
                    }
                    counts.forEach((status, count) -> callback.call(count, status.wireName()));
                })
                .register(registry);
    }

    /**
     * Adds the binlog archive's lag, {@code kunlun_binlog_archive_lag_bytes{cluster,shard}}, as
     * last measured (by cluster then shard).
     */
    public void watchBinlogArchive(Supplier<Map<String, Map<String, Long>>> lagBytes) {
        GaugeWithCallback.builder()
                .name("kunlun_binlog_archive_lag_bytes")
                .help("Bytes of the shard primary's binary log not yet in the backup store's archive, as last measured")
                .labelNames("cluster", "shard")
                .callback(callback -> lagBytes.get().forEach((cluster, shards) -> shards.forEach(
                        (shard, bytes) -> callback.call(bytes, cluster, shard))))
                .register(registry);
    }

    /** Adds the metadata store's metrics, read from {@code status} at each scrape. */
    public void watchMetadataStore(Supplier<StoreStatus> status) {
        GaugeWithCallback.builder()
                .name("kunlun_metadata_store_up")
                .help("1 when the last connection made to the metadata store succeeded, 0 while it cannot be reached")
                .callback(callback -> callback.call(status.get().up() ? 1 : 0))
                .register(registry);
        CounterWithCallback.builder()
                .name("kunlun_metadata_store_outages_total")
                .help("Times the metadata store became unreachable since the manager started")
                .callback(callback -> callback.call(status.get().outages()))
                .register(registry);
        GaugeWithCallback.builder()
                .name("kunlun_metadata_pool_connections")
                .help("Connections of each metadata pool (manager: jobs and monitoring; requests: the API), by state")
                .labelNames("pool", "state")
                .callback(callback -> status.get().pools().forEach(pool -> {
                    callback.call(pool.active(), pool.name(), "active");
                    callback.call(pool.idle(), pool.name(), "idle");
                }))
                .register(registry);
        GaugeWithCallback.builder()
                .name("kunlun_metadata_pool_max_connections")
                .help("The most connections each metadata pool opens")
                .labelNames("pool")
                .callback(callback -> status.get().pools().forEach(pool -> callback.call(pool.max(), pool.name())))
                .register(registry);
        GaugeWithCallback.builder()
                .name("kunlun_metadata_pool_waiting_threads")
                .help("Threads waiting for a connection of each metadata pool")
                .labelNames("pool")
                .callback(callback -> status.get().pools().forEach(pool -> callback.call(pool.waiting(), pool.name())))
                .register(registry);
        CounterWithCallback.builder()
                .name("kunlun_metadata_pool_timeouts_total")
                .help("Requests for a connection of each metadata pool that found none free in time")
                .labelNames("pool")
                .callback(callback -> status.get().pools().forEach(pool -> callback.call(pool.timeouts(), pool.name())))
                .register(registry);
        GaugeWithCallback.builder()
                .name("kunlun_manager_leader")
                .help("1 while this manager holds the metadata store's lease (the leader), 0 while it follows")
                .callback(callback -> callback.call(status.get().leader() ? 1 : 0))
                .register(registry);
        CounterWithCallback.builder()
                .name("kunlun_lease_renewals")
                .help("Renewals of this manager's lease on the metadata store that the store accepted")
                .callback(callback -> callback.call(status.get().leaseRenewals()))
                .register(registry);
    }

    /** Counts a job that ended, and how long it ran when it had started at all. */
    public void jobEnded(JobStatus job) {
        String type = job.jobType().wireName();
        jobsEnded.labelValues(type, job.state().wireName()).inc();
        Optional<Instant> started = job.startedAt();
        Optional<Instant> ended = job.endedAt();
        if (started.isPresent() && ended.isPresent()) {
            jobSeconds.labelValues(type).observe(Duration.between(started.get(), ended.get()).toNanos() / 1e9);
        }
    }

    /** Counts a restart by the keepalive, done or failed. */
    public void instanceRestarted(InstanceKind kind, boolean done) {
        instanceRestarts.labelValues(kind.wireName(), done ? "done" : "failed").inc();
    }

    /** Counts an instance the keepalive gave up on. */
    public void instanceGivenUp(InstanceKind kind) {
        instanceGiveUps.labelValues(kind.wireName()).inc();
    }

    /** Counts a round of the health monitor, as it starts. */
    public void healthRoundStarted() {
        healthRounds.inc();
    }

    /** Counts a failover and how long it took. */
    public void failedOver(Duration took) {
        failovers.inc();
        failoverSeconds.observe(took.toNanos() / 1e9);
    }

    /** Counts a request the adapter answered. */
    public void httpRequestAnswered(String handler, int statusCode) {
        httpRequests.labelValues(handler, Integer.toString(statusCode)).inc();
    }

    /** Collects every metric now, in the Prometheus text format. */
    public Exposition scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            writer.write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot render the metrics", e);
        }
        return new Exposition(writer.getContentType(), out.toByteArray());
    }

    /**
     * Tells the token the adapter demands on {@link #PATH} (none: open), so that the Prometheus
     * the manager configures sends it when it scrapes the manager.
     */
    public void scrapedWithBearerToken(Optional<String> token) {
        scrapeBearerToken = token;
    }

    public Optional<String> scrapeBearerToken() {
        return scrapeBearerToken;
    }
}
