package io.kunlun.server;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.kunlun.core.config.ManagerConfig;
import io.kunlun.core.config.SecretFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The configuration file given to {@code kunlunctl serve --config FILE}: the manager's settings
 * plus how the server listens. Command-line flags override what the file says.
 */
public record ServeConfig(ManagerConfig manager, ServerOptions server) {
    private static final ObjectMapper JSON = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    @JsonIgnoreProperties(ignoreUnknown = true)
    private record ListenSection(
            @JsonProperty("bind") String bind,
            @JsonProperty("port") Integer port,
            @JsonProperty("access_token") String accessToken,
            @JsonProperty("insecure") Boolean insecure,
            @JsonProperty("allowed_origins") List<String> allowedOrigins,
            @JsonProperty("allowed_hosts") List<String> allowedHosts,
            @JsonProperty("tls") TlsSection tls,
            @JsonProperty("request_parse_timeout_seconds") Integer requestParseTimeoutSeconds,
            @JsonProperty("idle_timeout_seconds") Integer idleTimeoutSeconds,
            @JsonProperty("startup_wait_seconds") Integer startupWaitSeconds) {

        ServerOptions options() {
            ServerOptions.Timeouts defaults = ServerOptions.Timeouts.DEFAULT;
            ServerOptions options = new ServerOptions(
                    Optional.ofNullable(bind).orElse(ServerOptions.DEFAULT_BIND),
                    Optional.ofNullable(port).orElse(ServerOptions.DEFAULT_PORT),
                    Optional.ofNullable(accessToken),
                    Optional.ofNullable(insecure).orElse(false))
                    .withAllowedOrigins(Optional.ofNullable(allowedOrigins).orElse(List.of()))
                    .withAllowedHosts(Optional.ofNullable(allowedHosts).orElse(List.of()))
                    .withTimeouts(new ServerOptions.Timeouts(
                            seconds(requestParseTimeoutSeconds).orElse(defaults.requestParse()),
                            seconds(idleTimeoutSeconds).orElse(defaults.idle()),
                            seconds(startupWaitSeconds).orElse(defaults.startup())));
            return tls == null ? options : options.withTls(tls.options());
        }

        private static Optional<Duration> seconds(Integer value) {
            return Optional.ofNullable(value).map(Duration::ofSeconds);
        }
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    private record TlsSection(
            @JsonProperty("certificate") Path certificate,
            @JsonProperty("private_key") Path privateKey,
            @JsonProperty("keystore") Path keystore,
            @JsonProperty("keystore_password") String keystorePassword) {

        TlsOptions options() {
            return new TlsOptions(certificate, privateKey, keystore, keystorePassword);
        }
    }

    public static ServeConfig defaults(Path home) {
        return new ServeConfig(ManagerConfig.defaults(home), ServerOptions.loopback(ServerOptions.DEFAULT_PORT));
    }

    /** An access token or a password written in the file makes the file a secret. */
    private static boolean holdsSecret(ManagerConfig manager, ServerOptions server) {
        String metadataPassword = manager.metadata().password();
        return server.accessToken().isPresent()
                || (metadataPassword != null && !metadataPassword.isEmpty())
                || server.tls().map(TlsOptions::keystorePassword).filter(password -> !password.isEmpty()).isPresent();
    }

    /**
     * Reads a JSON file: manager fields at the top level, listening fields under "server". A file
     * holding a secret must be private (see {@link SecretFiles}).
     */
    public static ServeConfig load(Path file) {
        try {
            JsonNode tree = JSON.readTree(Files.readAllBytes(file));
            if (tree == null || !tree.isObject()) {
                throw new IllegalArgumentException(file + ": the configuration must be a JSON object");
            }
            ManagerConfig manager = JSON.treeToValue(tree, ManagerConfig.class);
            ListenSection listen = tree.has("server")
                    ? JSON.treeToValue(tree.get("server"), ListenSection.class)
                    : new ListenSection(null, null, null, null, null, null, null, null, null, null);
            ServerOptions server;
            try {
                server = listen.options();
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
            }
            if (holdsSecret(manager, server)) {
                SecretFiles.requirePrivate("the configuration file", file);
            }
            return new ServeConfig(manager, server);
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read the configuration: " + e.getMessage(), e);
        }
    }
}
