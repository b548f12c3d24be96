package io.kunlun.server;

import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;

import java.util.HashSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Keeps web pages out. A page open in the operator's browser can send a request to the manager
 * (cross-site request forgery: the browser adds an Origin header naming the page), or reach it
 * through a name of its own that it points at the manager's address (DNS rebinding: the browser
 * then sends that name as the Host). Programs such as curl, kunlunctl and Prometheus send no
 * Origin and address the manager by the name or address they were given. The manager's own web
 * console ({@code /ui}) sends its own origin, which is admitted.
 */
final class HostAndOriginCheck {
    private static final Pattern ORIGIN = Pattern.compile("https?://([a-z0-9.-]+|\\[[0-9a-f:.]+\\])(:[0-9]{1,5})?",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern IPV4 = Pattern.compile("(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
            + "(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9a-f]*:[0-9a-f:.]*");
    /** The names a loopback listener is reached by on its own machine. */
    private static final Set<String> LOOPBACK_NAMES = Set.of("localhost", "127.0.0.1", "::1");
    private static final int SHOWN_CHARS = 80;

    private final Set<String> origins;
    private final Set<String> hosts;
    private final boolean anyAddress;

    HostAndOriginCheck(ServerOptions options) {
        this.origins = options.allowedOrigins().stream().map(HostAndOriginCheck::normalOrigin)
                .collect(Collectors.toUnmodifiableSet());
        Set<String> names = options.allowedHosts().stream().map(HostAndOriginCheck::bareHost)
                .collect(Collectors.toCollection(HashSet::new));
        names.add(bareHost(options.bind()));
        if (options.isLoopback()) {
            names.addAll(LOOPBACK_NAMES);
        }
        this.hosts = Set.copyOf(names);
        this.anyAddress = options.isWildcard();
    }

    /** Whether the text is an origin as browsers send it: scheme, host, optional port. */
    static boolean isOrigin(String text) {
        return ORIGIN.matcher(normalOrigin(text)).matches();
    }

    /** Why the request must be refused, or empty when it may go on. */
    Optional<String> refusal(HttpServerExchange exchange) {
        String origin = exchange.getRequestHeaders().getFirst(Headers.ORIGIN);
        String host = exchange.getRequestHeaders().getFirst(Headers.HOST);
        if (origin != null && !origins.contains(normalOrigin(origin)) && !isOwnOrigin(exchange, origin, host)) {
            return Optional.of("Origin " + shown(origin) + " is not allowed: requests from web pages are refused"
                    + " unless server.allowed_origins lists the page's origin");
        }
        if (host == null || host.isBlank()) {
            return Optional.of("the Host header is required");
        }
        String name = bareHost(withoutPort(host.strip()));
        if (!hosts.contains(name) && !(anyAddress && isAddress(name))) {
            return Optional.of("Host " + shown(host) + " is not an address of this manager: add the name to"
                    + " server.allowed_hosts to reach the manager by it");
        }
        return Optional.empty();
    }

    /**
     * Whether the page is the manager's own web console: its origin is the one the request is
     * addressed to (scheme, Host and port). The Host is then checked as any other, so a rebound
     * name, whose page is "same-origin" with itself, is still refused.
     */
    private static boolean isOwnOrigin(HttpServerExchange exchange, String origin, String host) {
        return host != null && normalOrigin(origin).equals(normalOrigin(exchange.getRequestScheme() + "://" + host));
    }

    private static String normalOrigin(String origin) {
        String text = origin.strip().toLowerCase(Locale.ROOT);
        return text.endsWith("/") ? text.substring(0, text.length() - 1) : text;
    }

    /**
     * The name without the port. The port is not compared: the browser connected to this
     * listener's port anyway, and only the name tells a rebound name from the manager's own.
     */
    private static String withoutPort(String host) {
        if (host.startsWith("[")) {
            int end = host.indexOf(']');
            return end < 0 ? host : host.substring(0, end + 1);
        }
        int colon = host.indexOf(':');
        return colon < 0 || host.indexOf(':', colon + 1) >= 0 ? host : host.substring(0, colon);
    }

    /** Lower case, without IPv6 brackets and without the trailing dot of a fully qualified name. */
    private static String bareHost(String host) {
        String name = host.toLowerCase(Locale.ROOT);
        if (name.startsWith("[") && name.endsWith("]")) {
            name = name.substring(1, name.length() - 1);
        }
        return name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
    }

    /** An address literal cannot be rebound: only names are looked up. */
    private static boolean isAddress(String name) {
        return IPV4.matcher(name).matches() || IPV6.matcher(name).matches();
    }

    private static String shown(String value) {
        String text = value.length() > SHOWN_CHARS ? value.substring(0, SHOWN_CHARS) + "..." : value;
        return "\"" + text + "\"";
    }
}
