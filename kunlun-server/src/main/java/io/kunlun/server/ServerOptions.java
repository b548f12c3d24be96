package io.kunlun.server;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * How the HTTP adapter listens. Any address other than loopback needs an access token, unless the
 * operator explicitly chose to run without one.
 */
public record ServerOptions(String bind, int port, Optional<String> accessToken, boolean insecure) {
    public static final int DEFAULT_PORT = 57000;
    public static final String DEFAULT_BIND = "127.0.0.1";
    /** An IPv4 literal in 127.0.0.0/8; a host name that merely starts with "127." is not loopback. */
    private static final Pattern LOOPBACK_V4 = Pattern.compile("127(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}");

    public ServerOptions {
        accessToken = accessToken.filter(token -> !token.isBlank());
    }

    public static ServerOptions loopback(int port) {
        return new ServerOptions(DEFAULT_BIND, port, Optional.empty(), false);
    }

    /** Refuses to listen beyond loopback without a token, naming the way out. */
    public void validate() {
        if (!isLoopback() && accessToken.isEmpty() && !insecure) {
            throw new IllegalArgumentException("listening on " + bind + " needs an access token (access_token in the"
                    + " config file or KUNLUN_ACCESS_TOKEN), or --insecure to accept requests from anyone");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be from 0 to 65535, got " + port);
        }
    }

    public boolean isLoopback() {
        return bind.equals("localhost") || bind.equals("::1") || LOOPBACK_V4.matcher(bind).matches();
    }
}
