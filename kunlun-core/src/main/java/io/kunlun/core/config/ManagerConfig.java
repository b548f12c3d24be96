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
        @JsonProperty("machine_engines") Map<String, EngineConfig> machineEngines) {

    public ManagerConfig {
        home = home == null ? Path.of("var") : home;
        metadata = metadata == null ? MetadataConfig.embedded() : metadata;
        ssh = ssh == null ? SshConfig.defaults() : ssh;
        workers = workers <= 0 ? 16 : workers;
        advertisedHost = advertisedHost == null ? "127.0.0.1" : advertisedHost;
        advertisedPort = advertisedPort <= 0 ? 57000 : advertisedPort;
        engines = engines == null ? EngineConfig.defaults() : engines;
        machineEngines = machineEngines == null ? Map.of() : Map.copyOf(machineEngines);
    }

    /** The programs and instance account on one machine: its own entry, else the global one. */
    public EngineConfig enginesOn(String hostaddr) {
        return machineEngines.getOrDefault(hostaddr, engines);
    }

    public static ManagerConfig defaults(Path home) {
        return new ManagerConfig(home, null, null, 0, false, null, 0, null, null);
    }

    public ManagerConfig withHome(Path newHome) {
        return new ManagerConfig(newHome, metadata, ssh, workers, exposeCredentials, advertisedHost, advertisedPort, engines, machineEngines);
    }

    public ManagerConfig withExposeCredentials(boolean expose) {
        return new ManagerConfig(home, metadata, ssh, workers, expose, advertisedHost, advertisedPort, engines, machineEngines);
    }

    public ManagerConfig withAdvertised(String host, int port) {
        return new ManagerConfig(home, metadata, ssh, workers, exposeCredentials, host, port, engines, machineEngines);
    }

    public ManagerConfig withSsh(SshConfig newSsh) {
        return new ManagerConfig(home, metadata, newSsh, workers, exposeCredentials, advertisedHost, advertisedPort, engines, machineEngines);
    }

    public ManagerConfig withEngines(EngineConfig newEngines) {
        return new ManagerConfig(home, metadata, ssh, workers, exposeCredentials, advertisedHost, advertisedPort,
                newEngines, machineEngines);
    }

    public ManagerConfig withMetadata(MetadataConfig newMetadata) {
        return new ManagerConfig(home, newMetadata, ssh, workers, exposeCredentials, advertisedHost, advertisedPort, engines, machineEngines);
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
}
