package io.kunlun.core.config;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

import io.kunlun.core.engines.EngineConfig;
import io.kunlun.core.hosts.Hosts;

import java.nio.file.Path;
import java.util.Map;

/**
 * The manager's configuration: where it keeps its state, its metadata store, how it reaches
 * machines. Loaded from the JSON file given with {@code --config}; every field has a default.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ManagerConfig(
        @JsonProperty("home") Path home,
        @JsonProperty("metadata") MetadataConfig metadata,
        @JsonProperty("ssh") SshConfig ssh,
        @JsonProperty("workers") int workers,
        @JsonProperty("expose_credentials") boolean exposeCredentials,
        @JsonProperty("advertised_host") String advertisedHost,
        @JsonProperty("advertised_port") int advertisedPort,
        @JsonProperty("engines") EngineConfig engines,
        @JsonProperty("machine_engines") Map<String, EngineConfig> machineEngines,
        @JsonProperty("prometheus") PrometheusConfig prometheus,
        @JsonProperty("health_interval_seconds") int healthIntervalSeconds,
        @JsonProperty("health_concurrency") int healthConcurrency,
        @JsonProperty("jobs") JobsConfig jobs,
        @JsonProperty("backup") BackupConfig backup,
        @JsonProperty("healing") HealingConfig healing) {

    /** Machines the health monitor checks at once when the configuration leaves it out. */
    public static final int DEFAULT_HEALTH_CONCURRENCY = 64;
    /**
     * The most it checks at once: each is a thread waiting on one command at a time, and on a
     * remote machine a channel of its SSH connection.
     */
    public static final int MAX_HEALTH_CONCURRENCY = 256;

    public ManagerConfig {
        home = home == null ? Path.of("var") : home;
        metadata = metadata == null ? MetadataConfig.embedded() : metadata;
        ssh = ssh == null ? SshConfig.defaults() : ssh;
        workers = workers <= 0 ? 16 : workers;
        advertisedHost = advertisedHost == null ? "127.0.0.1" : advertisedHost;
        advertisedPort = advertisedPort <= 0 ? 57000 : advertisedPort;
        engines = engines == null ? EngineConfig.defaults() : engines;
        machineEngines = machineEngines == null ? Map.of() : Map.copyOf(machineEngines);
        prometheus = prometheus == null ? PrometheusConfig.managed() : prometheus;
        healthIntervalSeconds = healthIntervalSeconds <= 0 ? 1 : healthIntervalSeconds;
        healthConcurrency = healthConcurrency <= 0 ? DEFAULT_HEALTH_CONCURRENCY
                : Math.min(healthConcurrency, MAX_HEALTH_CONCURRENCY);
        jobs = jobs == null ? JobsConfig.defaults() : jobs;
        backup = backup == null ? new BackupConfig(null, null, null, false) : backup;
        healing = healing == null ? HealingConfig.defaults() : healing;
    }

    public static ManagerConfig defaults(Path home) {
        return new ManagerConfig(home, null, null, 0, false, null, 0, null, null, null, 0, 0, null, null, null);
    }

    /** The programs and instance account on one machine: its own entry, else the global one. */
    public EngineConfig enginesOn(String hostaddr) {
        return machineEngines.getOrDefault(hostaddr, engines);
    }

    public ManagerConfig withHome(Path newHome) {
        return new ManagerConfig(newHome, metadata, ssh, workers, exposeCredentials, advertisedHost, advertisedPort,
                engines, machineEngines, prometheus, healthIntervalSeconds, healthConcurrency, jobs, backup, healing);
    }

    public ManagerConfig withExposeCredentials(boolean expose) {
        return new ManagerConfig(home, metadata, ssh, workers, expose, advertisedHost, advertisedPort,
                engines, machineEngines, prometheus, healthIntervalSeconds, healthConcurrency, jobs, backup, healing);
    }

    public ManagerConfig withAdvertised(String host, int port) {
        return new ManagerConfig(home, metadata, ssh, workers, exposeCredentials, host, port,
                engines, machineEngines, prometheus, healthIntervalSeconds, healthConcurrency, jobs, backup, healing);
    }

    public ManagerConfig withSsh(SshConfig newSsh) {
        return new ManagerConfig(home, metadata, newSsh, workers, exposeCredentials, advertisedHost, advertisedPort,
                engines, machineEngines, prometheus, healthIntervalSeconds, healthConcurrency, jobs, backup, healing);
    }

    public ManagerConfig withMachineEngines(Map<String, EngineConfig> newMachineEngines) {
        return new ManagerConfig(home, metadata, ssh, workers, exposeCredentials, advertisedHost, advertisedPort,
                engines, newMachineEngines, prometheus, healthIntervalSeconds, healthConcurrency, jobs, backup, healing);
    }

    public ManagerConfig withMetadata(MetadataConfig newMetadata) {
        return new ManagerConfig(home, newMetadata, ssh, workers, exposeCredentials, advertisedHost, advertisedPort,
                engines, machineEngines, prometheus, healthIntervalSeconds, healthConcurrency, jobs, backup, healing);
    }

    public ManagerConfig withEngines(EngineConfig newEngines) {
        return new ManagerConfig(home, metadata, ssh, workers, exposeCredentials, advertisedHost, advertisedPort,
                newEngines, machineEngines, prometheus, healthIntervalSeconds, healthConcurrency, jobs, backup, healing);
    }

    public ManagerConfig withPrometheus(PrometheusConfig newPrometheus) {
        return new ManagerConfig(home, metadata, ssh, workers, exposeCredentials, advertisedHost, advertisedPort,
                engines, machineEngines, newPrometheus, healthIntervalSeconds, healthConcurrency, jobs, backup, healing);
    }

    /** How often the health monitor checks every instance. */
    public ManagerConfig withHealthIntervalSeconds(int seconds) {
        return new ManagerConfig(home, metadata, ssh, workers, exposeCredentials, advertisedHost, advertisedPort,
                engines, machineEngines, prometheus, seconds, healthConcurrency, jobs, backup, healing);
    }

    public ManagerConfig withJobs(JobsConfig newJobs) {
        return new ManagerConfig(home, metadata, ssh, workers, exposeCredentials, advertisedHost, advertisedPort,
                engines, machineEngines, prometheus, healthIntervalSeconds, healthConcurrency, newJobs, backup, healing);
    }

    public ManagerConfig withBackup(BackupConfig newBackup) {
        return new ManagerConfig(home, metadata, ssh, workers, exposeCredentials, advertisedHost, advertisedPort,
                engines, machineEngines, prometheus, healthIntervalSeconds, healthConcurrency, jobs, newBackup, healing);
    }

    public ManagerConfig withHealing(HealingConfig newHealing) {
        return new ManagerConfig(home, metadata, ssh, workers, exposeCredentials, advertisedHost, advertisedPort,
                engines, machineEngines, prometheus, healthIntervalSeconds, healthConcurrency, jobs, backup, newHealing);
    }

    /** The backup store, its path under the home when the configuration left it out. */
    public BackupConfig backupStore() {
        return backup.resolvedAgainst(home);
    }

    /**
     * The job engine: ended jobs are kept {@code retention_days} days, and at most the newest
     * {@code retention_count} jobs; a rollback that could not finish is tried again every
     * {@code rollback_retry_seconds}.
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record JobsConfig(
            @JsonProperty("retention_days") int retentionDays,
            @JsonProperty("retention_count") int retentionCount,
            @JsonProperty("rollback_retry_seconds") int rollbackRetrySeconds) {
        public JobsConfig {
            retentionDays = retentionDays <= 0 ? 90 : retentionDays;
            retentionCount = retentionCount <= 0 ? 100_000 : retentionCount;
            rollbackRetrySeconds = rollbackRetrySeconds <= 0 ? 60 : rollbackRetrySeconds;
        }

        public static JobsConfig defaults() {
            return new JobsConfig(0, 0, 0);
        }
    }

    /**
     * The metadata store: an H2 file under home when jdbc_url is absent, else MySQL/MariaDB. Its
     * connections come from two pools: one for the manager's own work (jobs, health rounds,
     * recovery, the lease), one for API requests, so that a burst of requests never starves jobs.
     * A request that finds no free connection within {@code request_wait_millis} fails; the
     * manager's work waits up to {@code manager_wait_seconds} (a store restart, a Galera member
     * change). The managers on one store elect a leader by a lease of {@code lease_seconds}
     * (default 10), renewed every second: a follower takes the lead over once it expired. A
     * server store that leaves a statement unanswered for {@code socket_timeout_seconds}
     * (default 20) loses that connection: a member that hangs (paused, cut off without a reset)
     * fails the statement instead of holding its thread, the lease's heartbeat among them.
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record MetadataConfig(
            @JsonProperty("jdbc_url") String jdbcUrl,
            @JsonProperty("user") String user,
            @JsonProperty("password") String password,
            @JsonProperty("manager_connections") int managerConnections,
            @JsonProperty("request_connections") int requestConnections,
            @JsonProperty("request_wait_millis") int requestWaitMillis,
            @JsonProperty("manager_wait_seconds") int managerWaitSeconds,
            @JsonProperty("connect_timeout_seconds") int connectTimeoutSeconds,
            @JsonProperty("leak_detection_seconds") int leakDetectionSeconds,
            @JsonProperty("lease_seconds") int leaseSeconds,
            @JsonProperty("socket_timeout_seconds") int socketTimeoutSeconds) {

        public MetadataConfig {
            managerConnections = managerConnections <= 0 ? 8 : managerConnections;
            requestConnections = requestConnections <= 0 ? 8 : requestConnections;
            // HikariCP's smallest connection timeout is 250 ms.
            requestWaitMillis = requestWaitMillis <= 0 ? 2000 : Math.max(250, requestWaitMillis);
            managerWaitSeconds = managerWaitSeconds <= 0 ? 30 : managerWaitSeconds;
            connectTimeoutSeconds = connectTimeoutSeconds <= 0 ? 5 : connectTimeoutSeconds;
            leakDetectionSeconds = leakDetectionSeconds <= 0 ? 60 : leakDetectionSeconds;
            leaseSeconds = leaseSeconds <= 0 ? 10 : Math.max(3, leaseSeconds);
            socketTimeoutSeconds = socketTimeoutSeconds <= 0 ? 20 : socketTimeoutSeconds;
        }

        /** A store at {@code jdbcUrl} with the default pool sizes and timeouts. */
        public MetadataConfig(String jdbcUrl, String user, String password) {
            this(jdbcUrl, user, password, 0, 0, 0, 0, 0, 0, 0, 0);
        }

        public static MetadataConfig embedded() {
            return new MetadataConfig(null, null, null);
        }

        public boolean isEmbedded() {
            return jdbcUrl == null || jdbcUrl.isBlank();
        }

        public MetadataConfig withRequestConnections(int connections, int waitMillis) {
            return new MetadataConfig(jdbcUrl, user, password, managerConnections, connections, waitMillis,
                    managerWaitSeconds, connectTimeoutSeconds, leakDetectionSeconds, leaseSeconds, socketTimeoutSeconds);
        }

        public MetadataConfig withLeaseSeconds(int seconds) {
            return new MetadataConfig(jdbcUrl, user, password, managerConnections, requestConnections,
                    requestWaitMillis, managerWaitSeconds, connectTimeoutSeconds, leakDetectionSeconds, seconds,
                    socketTimeoutSeconds);
        }
    }

    /**
     * How machines are reached over SSH. Loopback addresses are this machine and are reached
     * without SSH unless {@code hosts} names them (which is how tests reach a loopback SSH server).
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record SshConfig(
            @JsonProperty("user") String user,
            @JsonProperty("port") int port,
            @JsonProperty("private_key") Path privateKey,
            @JsonProperty("known_hosts") Path knownHosts,
            @JsonProperty("trust_on_first_use") boolean trustOnFirstUse,
            @JsonProperty("connect_timeout_seconds") int connectTimeoutSeconds,
            @JsonProperty("hosts") Map<String, SshTarget> hosts) {

        public SshConfig {
            user = user == null ? System.getProperty("user.name") : user;
            port = port <= 0 ? 22 : port;
            privateKey = privateKey == null ? Path.of(System.getProperty("user.home"), ".ssh", "id_ed25519") : privateKey;
            knownHosts = knownHosts == null ? Path.of(System.getProperty("user.home"), ".ssh", "known_hosts") : knownHosts;
            connectTimeoutSeconds = connectTimeoutSeconds <= 0 ? 5 : connectTimeoutSeconds;
            hosts = hosts == null ? Map.of() : Map.copyOf(hosts);
        }

        public static SshConfig defaults() {
            return new SshConfig(null, 0, null, null, false, 0, null);
        }

        /** Where and as whom to reach one hostaddr; fields left out fall back to the defaults above. */
        public SshTarget target(String hostaddr) {
            SshTarget override = hosts.get(hostaddr);
            return new SshTarget(
                    override != null && override.port() > 0 ? override.port() : port,
                    override != null && override.user() != null ? override.user() : user);
        }
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record SshTarget(@JsonProperty("port") int port, @JsonProperty("user") String user) {
    }

    /**
     * The Prometheus that update_prometheus feeds. Without {@code url}, the manager runs its own
     * (the {@code binary}, listening on {@code bind}:{@code port}, state under
     * {@code <home>/prometheus}); with {@code url}, it writes the target files into
     * {@code targets_dir}, where that Prometheus reads them, and asks it to reload.
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record PrometheusConfig(
            @JsonProperty("url") String url,
            @JsonProperty("targets_dir") Path targetsDir,
            @JsonProperty("binary") Path binary,
            @JsonProperty("bind") String bind,
            @JsonProperty("port") int port,
            @JsonProperty("scrape_interval_seconds") int scrapeIntervalSeconds,
            @JsonProperty("node_exporter_port") int nodeExporterPort,
            @JsonProperty("start_timeout_seconds") int startTimeoutSeconds) {
        /** The port of the reference system's Prometheus. */
        public static final int DEFAULT_PORT = 57010;

        public PrometheusConfig {
            url = url == null || url.isBlank() ? null : url.strip();
            if (url != null && !url.matches("https?://[^/?#]+(/[^?#]*)?")) {
                throw new IllegalArgumentException("prometheus.url must be an http:// or https:// URL, got " + url);
            }
            if (url != null && targetsDir == null) {
                throw new IllegalArgumentException("prometheus.url needs prometheus.targets_dir: the directory that"
                        + " Prometheus reads the kunlun target files from");
            }
            binary = binary == null ? Path.of("/usr/bin/prometheus") : binary;
            bind = bind == null || bind.isBlank() ? "127.0.0.1" : bind.strip();
            if (url == null && !(Hosts.isLocal(bind) || bind.equals("::1"))) {
                throw new IllegalArgumentException("prometheus.bind must be a loopback address (127.x.x.x, ::1 or"
                        + " localhost): the manager's Prometheus serves its lifecycle API, which can stop it,"
                        + " to anyone who reaches it; got " + bind);
            }
            port = port <= 0 ? DEFAULT_PORT : port;
            scrapeIntervalSeconds = scrapeIntervalSeconds <= 0 ? 15 : scrapeIntervalSeconds;
            nodeExporterPort = nodeExporterPort <= 0 ? 9100 : nodeExporterPort;
            startTimeoutSeconds = startTimeoutSeconds <= 0 ? 30 : startTimeoutSeconds;
        }

        /** The manager's own Prometheus on 127.0.0.1:57010. */
        public static PrometheusConfig managed() {
            return new PrometheusConfig(null, null, null, null, 0, 0, 0, 0);
        }

        /** The manager's own Prometheus, listening on {@code bind}:{@code port}. */
        public static PrometheusConfig managed(String bind, int port) {
            return new PrometheusConfig(null, null, null, bind, port, 0, 0, 0);
        }

        /** A Prometheus run by someone else, reading target files from {@code targetsDir}. */
        public static PrometheusConfig external(String url, Path targetsDir) {
            return new PrometheusConfig(url, targetsDir, null, null, 0, 0, 0, 0);
        }

        public PrometheusConfig withScrapeIntervalSeconds(int seconds) {
            return new PrometheusConfig(url, targetsDir, binary, bind, port, seconds, nodeExporterPort,
                    startTimeoutSeconds);
        }

        /** Whether the manager runs this Prometheus itself. */
        public boolean isManaged() {
            return url == null;
        }
    }
}
