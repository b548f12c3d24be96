package io.kunlun.server;

import io.kunlun.core.ClusterManager;
import io.kunlun.model.InvalidRequestException;
import io.kunlun.model.job.Submission;
import io.kunlun.model.job.WireFormat;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RequestTooBigException;
import io.undertow.util.Headers;
import io.undertow.util.Methods;
import io.undertow.util.StatusCodes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.util.Map;

/**
 * {@code POST /}: bytes → {@link WireFormat} → {@link ClusterManager} → JSON. Whatever the
 * Content-Type says, the body is read as JSON (curl -d sends form encoding with a JSON body).
 * Every answer, refusals included, is a JSON object with result and info.
 */
final class JobApiHandler implements HttpHandler {
    private static final Logger LOG = LoggerFactory.getLogger(JobApiHandler.class);

    private final AccessToken accessToken;
    private volatile ClusterManager manager;

    JobApiHandler(AccessToken accessToken) {
        this.accessToken = accessToken;
    }

    void serve(ClusterManager readyManager) {
        this.manager = readyManager;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        if (!accessToken.admits(exchange)) {
            exchange.getResponseHeaders().put(Headers.WWW_AUTHENTICATE, "Bearer");
            reply(exchange, StatusCodes.UNAUTHORIZED, WireFormat.failed(AccessToken.REQUIRED));
            return;
        }
        if (!exchange.getRequestMethod().equals(Methods.POST)) {
            exchange.getResponseHeaders().put(Headers.ALLOW, "POST");
            reply(exchange, StatusCodes.METHOD_NOT_ALLOWED, WireFormat.failed("send requests with POST /"));
            return;
        }
        ClusterManager ready = manager;
        if (ready == null) {
            reply(exchange, StatusCodes.SERVICE_UNAVAILABLE, WireFormat.failed("the manager is starting"));
            return;
        }
        long declared = exchange.getRequestContentLength();
        if (declared > WireFormat.MAX_BODY_BYTES) {
            reply(exchange, StatusCodes.BAD_REQUEST, WireFormat.failed(WireFormat.bodyTooLarge(declared)));
            return;
        }
        exchange.getRequestReceiver().receiveFullBytes(
                (ex, body) -> ex.dispatch(() -> answer(ready, ex, body)),
                (ex, error) -> reply(ex, StatusCodes.BAD_REQUEST, WireFormat.failed(error instanceof RequestTooBigException
                        ? "request body is larger than the limit of " + WireFormat.MAX_BODY_BYTES + " bytes"
                        : "request body could not be read: " + error.getMessage())));
    }

    private void answer(ClusterManager ready, HttpServerExchange exchange, byte[] body) {
        Submission submission;
        try {
            submission = WireFormat.parse(body);
        } catch (InvalidRequestException e) {
            reply(exchange, StatusCodes.BAD_REQUEST, WireFormat.failed(e.getMessage()));
            return;
        }
        try {
            reply(exchange, StatusCodes.OK, ready.handle(submission));
        } catch (RuntimeException e) {
            LOG.error("{} failed with an internal error", submission.type().wireName(), e);
            reply(exchange, StatusCodes.INTERNAL_SERVER_ERROR, WireFormat.failed("internal error: " + e));
        }
    }

    private void reply(HttpServerExchange exchange, int status, Map<String, ?> body) {
        exchange.setStatusCode(status);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json; charset=utf-8");
        exchange.getResponseSender().send(ByteBuffer.wrap(WireFormat.render(body)));
    }
}
