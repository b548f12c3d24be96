package io.kunlun.server;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.kunlun.core.config.ManagerConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
            @JsonProperty("insecure") Boolean insecure) {
    }

    public static ServeConfig defaults(Path home) {
        return new ServeConfig(ManagerConfig.defaults(home), ServerOptions.loopback(ServerOptions.DEFAULT_PORT));
    }

    /** Reads a JSON file: manager fields at the top level, listening fields under "server". */
    public static ServeConfig load(Path file) {
        try {
            JsonNode tree = JSON.readTree(Files.readAllBytes(file));
            if (tree == null || !tree.isObject()) {
                throw new IllegalArgumentException(file + ": the configuration must be a JSON object");
            }
            ManagerConfig manager = JSON.treeToValue(tree, ManagerConfig.class);
            ListenSection listen = tree.has("server")
                    ? JSON.treeToValue(tree.get("server"), ListenSection.class)
                    : new ListenSection(null, null, null, null);
            ServerOptions server = new ServerOptions(
                    Optional.ofNullable(listen.bind()).orElse(ServerOptions.DEFAULT_BIND),
                    Optional.ofNullable(listen.port()).orElse(ServerOptions.DEFAULT_PORT),
                    Optional.ofNullable(listen.accessToken()),
                    Optional.ofNullable(listen.insecure()).orElse(false));
            return new ServeConfig(manager, server);
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read the configuration: " + e.getMessage(), e);
        }
    }
}
