package io.kunlun.core.config;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

import io.kunlun.core.engines.EngineConfig;

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
        @JsonProperty("backup") BackupConfig backup) {

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
        healthIntervalSeconds = healthIntervalSeconds <= 0 ? 5 : healthIntervalSeconds;
        backup = backup == null ? new BackupConfig(null, null) : backup;
    }

    public static ManagerConfig defaults(Path home) {
        return new ManagerConfig(home, null, null, 0, false, null, 0, null, null, null, 0, null);
    }

    /** The programs and instance account on one machine: its own entry, else the global one. */
    public EngineConfig enginesOn(String hostaddr) {
        return machineEngines.getOrDefault(hostaddr, engines);
    }

    public ManagerConfig withHome(Path newHome) {
        return new ManagerConfig(newHome, metadata, ssh, workers, exposeCredentials, advertisedHost, advertisedPort,
                engines, machineEngines, prometheus, healthIntervalSeconds, backup);
    }

    public ManagerConfig withExposeCredentials(boolean expose) {
        return new ManagerConfig(home, metadata, ssh, workers, expose, advertisedHost, advertisedPort,
                engines, machineEngines, prometheus, healthIntervalSeconds, backup);
    }

    public ManagerConfig withAdvertised(String host, int port) {
        return new ManagerConfig(home, metadata, ssh, workers, exposeCredentials, host, port,
                engines, machineEngines, prometheus, healthIntervalSeconds, backup);
    }

    public ManagerConfig withSsh(SshConfig newSsh) {
        return new ManagerConfig(home, metadata, newSsh, workers, exposeCredentials, advertisedHost, advertisedPort,
                engines, machineEngines, prometheus, healthIntervalSeconds, backup);
    }

    public ManagerConfig withMachineEngines(Map<String, EngineConfig> newMachineEngines) {
        return new ManagerConfig(home, metadata, ssh, workers, exposeCredentials, advertisedHost, advertisedPort,
                engines, newMachineEngines, prometheus, healthIntervalSeconds, backup);
    }

    public ManagerConfig withMetadata(MetadataConfig newMetadata) {
        return new ManagerConfig(home, newMetadata, ssh, workers, exposeCredentials, advertisedHost, advertisedPort,
                engines, machineEngines, prometheus, healthIntervalSeconds, backup);
    }

    public ManagerConfig withEngines(EngineConfig newEngines) {
        return new ManagerConfig(home, metadata, ssh, workers, exposeCredentials, advertisedHost, advertisedPort,
                newEngines, machineEngines, prometheus, healthIntervalSeconds, backup);
    }

    public ManagerConfig withPrometheus(PrometheusConfig newPrometheus) {
        return new ManagerConfig(home, metadata, ssh, workers, exposeCredentials, advertisedHost, advertisedPort,
                engines, machineEngines, newPrometheus, healthIntervalSeconds, backup);
    }

    /** How often the health monitor checks every instance. */
    public ManagerConfig withHealthIntervalSeconds(int seconds) {
        return new ManagerConfig(home, metadata, ssh, workers, exposeCredentials, advertisedHost, advertisedPort,
                engines, machineEngines, prometheus, seconds, backup);
    }

    public ManagerConfig withBackup(BackupConfig newBackup) {
        return new ManagerConfig(home, metadata, ssh, workers, exposeCredentials, advertisedHost, advertisedPort,
                engines, machineEngines, prometheus, healthIntervalSeconds, newBackup);
    }

    /** The backup store, its path under the home when the configuration left it out. */
    public BackupConfig backupStore() {
        return backup.resolvedAgainst(home);
    }

    /** The metadata store: an H2 file under home when jdbc_url is absent, else MySQL/MariaDB. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record MetadataConfig(
            @JsonProperty("jdbc_url") String jdbcUrl,
            @JsonProperty("user") String user,
            @JsonProperty("password") String password) {
        public static MetadataConfig embedded() {
            return new MetadataConfig(null, null, null);
        }

        public boolean isEmbedded() {
            return jdbcUrl == null || jdbcUrl.isBlank();
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
            bind = bind == null || bind.isBlank() ? "127.0.0.1" : bind;
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
