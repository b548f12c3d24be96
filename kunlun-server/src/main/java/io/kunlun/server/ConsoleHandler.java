package io.kunlun.server;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderMap;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.Methods;
import io.undertow.util.StatusCodes;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code GET /ui}: the web console's files, shipped in this jar under {@code io/kunlun/server/ui/}.
 * The page calls the job API ({@code POST /}) like any client; this handler only serves files.
 * They hold no data, so they are served without the access token: the page asks for the token
 * and sends it with its API requests. Only plain file names (no directory, no {@code ..}) with a
 * known type are looked up, so nothing outside that directory can be named and no directory is
 * ever listed.
 */
final class ConsoleHandler implements HttpHandler {
    static final String PATH = "/ui";
    private static final String RESOURCES = "ui/";
    private static final String INDEX = "index.html";
    private static final Pattern FILE_NAME = Pattern.compile("/?([a-z0-9][a-z0-9-]*\\.(html|css|js|svg))");
    private static final Map<String, String> CONTENT_TYPES = Map.of(
            "html", "text/html; charset=utf-8",
            "css", "text/css; charset=utf-8",
            // ES modules are only run when served with a JavaScript type.
            "js", "text/javascript; charset=utf-8",
            "svg", "image/svg+xml");
    /**
     * The page runs only its own files and talks only to its own origin: no inline script or
     * style, no plugin, no framing (clickjacking), no form posted elsewhere.
     */
    static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self';"
            + " img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

    private final Map<String, Asset> assets = new ConcurrentHashMap<>();

    private record Asset(byte[] bytes, String contentType, String etag) {
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        if (exchange.isInIoThread()) {
            // The first request for a file reads it from the jar.
            exchange.dispatch(this);
            return;
        }
        HeaderMap headers = exchange.getResponseHeaders();
        headers.put(new HttpString("Content-Security-Policy"), CONTENT_SECURITY_POLICY);
        headers.put(new HttpString("X-Content-Type-Options"), "nosniff");
        headers.put(new HttpString("X-Frame-Options"), "DENY");
        headers.put(new HttpString("Referrer-Policy"), "no-referrer");
        HttpString method = exchange.getRequestMethod();
        if (!method.equals(Methods.GET) && !method.equals(Methods.HEAD)) {
            headers.put(Headers.ALLOW, "GET, HEAD");
            reply(exchange, StatusCodes.METHOD_NOT_ALLOWED, "the console's files are read with GET\n");
            return;
        }
        Optional<Asset> asset = find(exchange.getRelativePath());
        if (asset.isEmpty()) {
            reply(exchange, StatusCodes.NOT_FOUND, "the console has no such file\n");
            return;
        }
        // Revalidated at every use: a new manager version ships new files under the same names.
        headers.put(Headers.CACHE_CONTROL, "no-cache");
        headers.put(Headers.ETAG, asset.get().etag());
        if (asset.get().etag().equals(exchange.getRequestHeaders().getFirst(Headers.IF_NONE_MATCH))) {
            exchange.setStatusCode(StatusCodes.NOT_MODIFIED);
            exchange.endExchange();
            return;
        }
        exchange.setStatusCode(StatusCodes.OK);
        headers.put(Headers.CONTENT_TYPE, asset.get().contentType());
        exchange.getResponseSender().send(ByteBuffer.wrap(asset.get().bytes()));
    }

    /** The file a path below {@link #PATH} names: {@code ""} and {@code "/"} are the page itself. */
    private Optional<Asset> find(String relativePath) {
        String path = relativePath.isEmpty() || relativePath.equals("/") ? INDEX : relativePath;
        Matcher name = FILE_NAME.matcher(path);
        if (!name.matches()) {
            return Optional.empty();
        }
        Asset known = assets.get(name.group(1));
        if (known != null) {
            return Optional.of(known);
        }
        Optional<Asset> loaded = load(name.group(1), CONTENT_TYPES.get(name.group(2)));
        loaded.ifPresent(asset -> assets.put(name.group(1), asset));
        return loaded;
    }

    private static Optional<Asset> load(String name, String contentType) {
        try (InputStream in = ConsoleHandler.class.getResourceAsStream(RESOURCES + name)) {
            if (in == null) {
                return Optional.empty();
            }
            byte[] bytes = in.readAllBytes();
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
            return Optional.of(new Asset(bytes, contentType,
                    "\"" + HexFormat.of().formatHex(digest, 0, 16) + "\""));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the console's " + name + " from the jar", e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static void reply(HttpServerExchange exchange, int status, String text) {
        exchange.setStatusCode(status);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain; charset=utf-8");
        exchange.getResponseSender().send(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
    }
}
