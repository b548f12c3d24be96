package io.kunlun.server;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * How the HTTP adapter listens. Any address other than loopback needs an access token, unless the
 * operator explicitly chose to run without one.
 *
 * @param allowedOrigins the browser origins (e.g. {@code https://xpanel.example.com}) whose pages
 *                       may send requests; requests with any other Origin header are refused
 * @param allowedHosts   names, besides the listening address, that clients may use to reach the
 *                       manager (the Host header); others are refused, against DNS rebinding
 * @param tls            when present, the listener speaks HTTPS only
 * @param timeouts       how long a connection may take to send its request, and may stay idle
 */
public record ServerOptions(String bind, int port, Optional<String> accessToken, boolean insecure,
                            List<String> allowedOrigins, List<String> allowedHosts, Optional<TlsOptions> tls,
                            Timeouts timeouts) {
    public static final int DEFAULT_PORT = 57000;
    public static final String DEFAULT_BIND = "127.0.0.1";
    /** An IPv4 literal in 127.0.0.0/8; a host name that merely starts with "127." is not loopback. */
    private static final Pattern LOOPBACK_V4 = Pattern.compile("127(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}");

    /**
     * @param requestParse the most a client may take to send a request's line and headers
     * @param idle         the most a connection may stay silent, between requests or within one
     * @param startup      the most a request that arrives while the manager is still opening waits
     *                     for it, before it is answered 503
     */
    public record Timeouts(Duration requestParse, Duration idle, Duration startup) {
        public static final Timeouts DEFAULT = new Timeouts(Duration.ofSeconds(10), Duration.ofSeconds(120),
                Duration.ofSeconds(30));

        public Timeouts {
            for (Duration limit : List.of(requestParse, idle, startup)) {
                if (limit.isNegative() || limit.isZero()) {
                    throw new IllegalArgumentException("server timeouts must be positive, got request parse "
                            + requestParse.toSeconds() + " s, idle " + idle.toSeconds() + " s and startup "
                            + startup.toSeconds() + " s");
                }
            }
        }
    }

    public ServerOptions {
        accessToken = accessToken.filter(token -> !token.isBlank());
        allowedOrigins = List.copyOf(allowedOrigins);
        allowedHosts = allowedHosts.stream().map(name -> name.strip().toLowerCase(Locale.ROOT)).toList();
    }

    /** No browser origin, no other name than the address, plain HTTP, the default timeouts. */
    public ServerOptions(String bind, int port, Optional<String> accessToken, boolean insecure) {
        this(bind, port, accessToken, insecure, List.of(), List.of(), Optional.empty(), Timeouts.DEFAULT);
    }

    public static ServerOptions loopback(int port) {
        return new ServerOptions(DEFAULT_BIND, port, Optional.empty(), false);
    }

    public ServerOptions withAllowedOrigins(List<String> origins) {
        return new ServerOptions(bind, port, accessToken, insecure, origins, allowedHosts, tls, timeouts);
    }

    public ServerOptions withAllowedHosts(List<String> hosts) {
        return new ServerOptions(bind, port, accessToken, insecure, allowedOrigins, hosts, tls, timeouts);
    }

    public ServerOptions withTls(TlsOptions certificate) {
        return new ServerOptions(bind, port, accessToken, insecure, allowedOrigins, allowedHosts,
                Optional.of(certificate), timeouts);
    }

    public ServerOptions withTimeouts(Timeouts limits) {
        return new ServerOptions(bind, port, accessToken, insecure, allowedOrigins, allowedHosts, tls, limits);
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
        for (String origin : allowedOrigins) {
            if (!HostAndOriginCheck.isOrigin(origin)) {
                throw new IllegalArgumentException("server.allowed_origins must hold origins such as"
                        + " https://xpanel.example.com (scheme, host and optional port, nothing else), got \""
                        + origin + "\"");
            }
        }
    }

    public boolean isLoopback() {
        return bind.equals("localhost") || bind.equals("::1") || LOOPBACK_V4.matcher(bind).matches();
    }

    /** Whether the listener takes connections on every address of the machine. */
    public boolean isWildcard() {
        return bind.equals("0.0.0.0") || bind.equals("::");
    }

    /** {@code http} or {@code https}: how clients address this listener. */
    public String scheme() {
        return tls.isPresent() ? "https" : "http";
    }
}
