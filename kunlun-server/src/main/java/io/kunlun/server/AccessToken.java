package io.kunlun.server;

import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;

/** The bearer token every request must send when one is configured; without one, all are admitted. */
final class AccessToken {
    static final String REQUIRED = "this manager needs Authorization: Bearer <access token>";
    private static final String BEARER = "Bearer ";

    private final Optional<String> token;

    AccessToken(Optional<String> token) {
        this.token = token;
    }

    Optional<String> token() {
        return token;
    }

    /** The scheme is case-insensitive (RFC 9110); the token is compared in constant time. */
    boolean admits(HttpServerExchange exchange) {
        if (token.isEmpty()) {
            return true;
        }
        String header = Optional.ofNullable(exchange.getRequestHeaders().getFirst(Headers.AUTHORIZATION)).orElse("");
        if (!header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return false;
        }
        byte[] expected = token.get().getBytes(StandardCharsets.UTF_8);
        byte[] given = header.substring(BEARER.length()).strip().getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(expected, given);
    }
}
