package io.kunlun.server;

import io.kunlun.core.ClusterManager;
import io.kunlun.model.InvalidRequestException;
import io.kunlun.model.job.Submission;
import io.kunlun.model.job.WireFormat;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.Methods;
import io.undertow.util.StatusCodes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;

/**
 * {@code POST /}: bytes → {@link WireFormat} → {@link ClusterManager} → JSON. Whatever the
 * Content-Type says, the body is read as JSON (curl -d sends form encoding with a JSON body).
 */
final class JobApiHandler implements HttpHandler {
    private static final Logger LOG = LoggerFactory.getLogger(JobApiHandler.class);

    private final ClusterManager manager;
    private final Optional<String> accessToken;

    JobApiHandler(ClusterManager manager, Optional<String> accessToken) {
        this.manager = manager;
        this.accessToken = accessToken;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        if (!exchange.getRequestMethod().equals(Methods.POST)) {
            exchange.getResponseHeaders().put(Headers.ALLOW, "POST");
            reply(exchange, StatusCodes.METHOD_NOT_ALLOWED, WireFormat.failed("send requests with POST /"));
            return;
        }
        if (!authorised(exchange)) {
            reply(exchange, StatusCodes.UNAUTHORIZED,
                    WireFormat.failed("this manager needs Authorization: Bearer <access token>"));
            return;
        }
        long declared = exchange.getRequestContentLength();
        if (declared > WireFormat.MAX_BODY_BYTES) {
            reply(exchange, StatusCodes.REQUEST_ENTITY_TOO_LARGE, WireFormat.failed("request body is " + declared
                    + " bytes, the limit is " + WireFormat.MAX_BODY_BYTES));
            return;
        }
        exchange.getRequestReceiver().receiveFullBytes(
                (ex, body) -> ex.dispatch(() -> answer(ex, body)),
                (ex, error) -> reply(ex, StatusCodes.BAD_REQUEST, WireFormat.failed(
                        error.getMessage() != null && error.getMessage().contains("too large")
                                ? "request body is larger than the limit of " + WireFormat.MAX_BODY_BYTES + " bytes"
                                : "request body could not be read: " + error.getMessage())));
    }

    private void answer(HttpServerExchange exchange, byte[] body) {
        Submission submission;
        try {
            submission = WireFormat.parse(body);
        } catch (InvalidRequestException e) {
            reply(exchange, StatusCodes.BAD_REQUEST, WireFormat.failed(e.getMessage()));
            return;
        }
        try {
            reply(exchange, StatusCodes.OK, manager.handle(submission));
        } catch (RuntimeException e) {
            LOG.error("{} failed with an internal error", submission.type().wireName(), e);
            reply(exchange, StatusCodes.INTERNAL_SERVER_ERROR, WireFormat.failed("internal error: " + e));
        }
    }

    private boolean authorised(HttpServerExchange exchange) {
        if (accessToken.isEmpty()) {
            return true;
        }
        String header = Optional.ofNullable(exchange.getRequestHeaders().getFirst(Headers.AUTHORIZATION)).orElse("");
        byte[] expected = ("Bearer " + accessToken.get()).getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(expected, header.getBytes(StandardCharsets.UTF_8));
    }

    private void reply(HttpServerExchange exchange, int status, Map<String, ?> body) {
        exchange.setStatusCode(status);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json; charset=utf-8");
        exchange.getResponseSender().send(ByteBuffer.wrap(WireFormat.render(body)));
    }
}
