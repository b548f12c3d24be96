package io.kunlun.server;

import io.kunlun.core.monitor.ManagerMetrics;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.Methods;
import io.undertow.util.StatusCodes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * {@code GET /metrics}: the manager's metrics in the Prometheus text format, behind the same
 * access token as the API (metrics show the fleet's size and what it does). Also counts every
 * request the server answers, by handler and status code.
 */
final class MetricsHandler implements HttpHandler {
    private static final Logger LOG = LoggerFactory.getLogger(MetricsHandler.class);
    private static final String TEXT = "text/plain; charset=utf-8";

    private final AccessToken accessToken;
    private volatile ManagerMetrics metrics;

    MetricsHandler(AccessToken accessToken) {
        this.accessToken = accessToken;
    }

    void serve(ManagerMetrics readyMetrics) {
        this.metrics = readyMetrics;
    }

    /**
     * Wraps the server's handler so that each answered request is counted (once the manager
     * serves), as its status line is about to be sent: counted when the exchange completed, after
     * the client had the whole answer, a scrape sent right after it could miss it.
     */
    HttpHandler countingRequestsTo(HttpHandler next) {
        return exchange -> {
            exchange.addResponseCommitListener(answered -> {
                ManagerMetrics ready = metrics;
                if (ready != null) {
                    ready.httpRequestAnswered(handlerOf(answered.getRequestPath()), answered.getStatusCode());
                }
            });
            next.handleRequest(exchange);
        };
    }

    private static String handlerOf(String path) {
        if (ManagerMetrics.PATH.equals(path)) {
            return "metrics";
        }
        return path.equals(ConsoleHandler.PATH) || path.startsWith(ConsoleHandler.PATH + "/") ? "ui" : "api";
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        if (!accessToken.admits(exchange)) {
            exchange.getResponseHeaders().put(Headers.WWW_AUTHENTICATE, "Bearer");
            reply(exchange, StatusCodes.UNAUTHORIZED, TEXT, AccessToken.REQUIRED + "\n");
            return;
        }
        if (!exchange.getRequestMethod().equals(Methods.GET)) {
            exchange.getResponseHeaders().put(Headers.ALLOW, "GET");
            reply(exchange, StatusCodes.METHOD_NOT_ALLOWED, TEXT, "read the metrics with GET " + ManagerMetrics.PATH + "\n");
            return;
        }
        ManagerMetrics ready = metrics;
        if (ready == null) {
            reply(exchange, StatusCodes.SERVICE_UNAVAILABLE, TEXT, "the manager is starting\n");
            return;
        }
        // Instance counts come from the metadata store: not on an I/O thread.
        exchange.dispatch(() -> {
            try {
                ManagerMetrics.Exposition exposition = ready.scrape();
                exchange.setStatusCode(StatusCodes.OK);
                exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, exposition.contentType());
                exchange.getResponseSender().send(ByteBuffer.wrap(exposition.body()));
            } catch (RuntimeException e) {
                // The cause can name the metadata store's JDBC URL: the log keeps it, the reply does not.
                LOG.error("metrics could not be collected", e);
                reply(exchange, StatusCodes.INTERNAL_SERVER_ERROR, TEXT, "metrics could not be collected; the manager's log has the details\n");
            }
        });
    }

    private static void reply(HttpServerExchange exchange, int status, String contentType, String body) {
        exchange.setStatusCode(status);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, contentType);
        exchange.getResponseSender().send(ByteBuffer.wrap(body.getBytes(StandardCharsets.UTF_8)));
    }
}
