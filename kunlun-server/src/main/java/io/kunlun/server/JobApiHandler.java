package io.kunlun.server;

import io.kunlun.core.Caller;
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

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code POST /}: bytes → {@link WireFormat} → {@link ClusterManager} → JSON. Whatever the
 * Content-Type says, the body is read as JSON (curl -d sends form encoding with a JSON body).
 * Every answer, refusals included, is a JSON object with result and info.
 */
final class JobApiHandler implements HttpHandler {
    private static final Logger LOG = LoggerFactory.getLogger(JobApiHandler.class);
    /** Bodies up to this size are read to their end even when refused; larger ones close the connection. */
    static final long DRAIN_LIMIT = 8L * WireFormat.MAX_BODY_BYTES;

    private static final SecureRandom INCIDENTS = new SecureRandom();

    /**
     * How many worker threads requests that run commands on machines (get_variable, set_variable)
     * may hold at once: they can wait for a busy machine, and the other workers must stay free for
     * the queries that only read metadata (get_status, say).
     */
    static final int INSTANCE_REQUESTS = 16;

    private final AccessToken accessToken;
    private final Duration startupWait;
    private final Semaphore instanceRequests = new Semaphore(INSTANCE_REQUESTS);
    private final CompletableFuture<ClusterManager> manager = new CompletableFuture<>();

    JobApiHandler(AccessToken accessToken, Duration startupWait) {
        this.accessToken = accessToken;
        this.startupWait = startupWait;
    }

    void serve(ClusterManager readyManager) {
        manager.complete(readyManager);
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
        ClusterManager ready = manager.getNow(null);
        if (ready != null) {
            receive(ready, exchange);
        } else if (exchange.isInIoThread()) {
            // A client that restarted the manager and sends at once waits for it instead of being refused.
            exchange.dispatch(() -> awaitManager(exchange));
        } else {
            awaitManager(exchange);
        }
    }

    /** On a worker thread: the request waits, at most the startup bound, for the manager to be served. */
    private void awaitManager(HttpServerExchange exchange) {
        try {
            receive(manager.get(startupWait.toMillis(), TimeUnit.MILLISECONDS), exchange);
        } catch (TimeoutException e) {
            reply(exchange, StatusCodes.SERVICE_UNAVAILABLE, WireFormat.failed("the manager is still starting after "
                    + startupWait.toSeconds() + " s; try again later"));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            reply(exchange, StatusCodes.SERVICE_UNAVAILABLE, WireFormat.failed("the manager is stopping"));
        } catch (ExecutionException e) {
            throw new IllegalStateException("the manager is only ever completed with a value", e);
        }
    }

    private void receive(ClusterManager ready, HttpServerExchange exchange) {
        long declared = exchange.getRequestContentLength();
        if (declared > DRAIN_LIMIT) {
            refuseUnreadBody(exchange, WireFormat.bodyTooLarge(declared));
            return;
        }
        BoundedBody body = new BoundedBody();
        exchange.getRequestReceiver().receivePartialBytes(
                (ex, chunk, last) -> {
                    body.add(chunk);
                    if (!last) {
                        return;
                    }
                    if (body.isTooLarge()) {
                        reply(ex, StatusCodes.BAD_REQUEST, WireFormat.failed(WireFormat.bodyTooLarge(body.size())));
                    } else {
                        byte[] bytes = body.bytes();
                        ex.dispatch(() -> answer(ready, ex, bytes));
                    }
                },
                (ex, error) -> refuseUnreadBody(ex, error instanceof RequestTooBigException
                        ? "request body is larger than " + DRAIN_LIMIT + " bytes, the limit is " + WireFormat.MAX_BODY_BYTES
                        : "request body could not be read: " + error.getMessage()));
    }

    /**
     * A body as it arrives: kept up to {@link WireFormat#MAX_BODY_BYTES}, beyond that only counted.
     * Reading a too-large body to its end (up to {@link #DRAIN_LIMIT}) is what lets the client,
     * still sending, receive the refusal instead of a reset connection.
     */
    private static final class BoundedBody {
        private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
        private long size;

        void add(byte[] chunk) {
            size += chunk.length;
            if (size <= WireFormat.MAX_BODY_BYTES) {
                kept.write(chunk, 0, chunk.length);
            } else if (kept.size() > 0) {
                kept.reset();
            }
        }

        boolean isTooLarge() {
            return size > WireFormat.MAX_BODY_BYTES;
        }

        long size() {
            return size;
        }

        byte[] bytes() {
            return kept.toByteArray();
        }
    }

    /**
     * Answers 400 without reading the rest of a body above {@link #DRAIN_LIMIT}. The connection
     * closes after the reply: the unread bytes would otherwise be taken for the next request.
     */
    private void refuseUnreadBody(HttpServerExchange exchange, String info) {
        exchange.setPersistent(false);
        reply(exchange, StatusCodes.BAD_REQUEST, WireFormat.failed(info));
    }

    private void answer(ClusterManager ready, HttpServerExchange exchange, byte[] body) {
        Submission submission;
        try {
            submission = WireFormat.parse(body);
        } catch (InvalidRequestException e) {
            reply(exchange, StatusCodes.BAD_REQUEST, WireFormat.failed(e.getMessage()));
            return;
        }
        if (!ClusterManager.reachesInstances(submission)) {
            answer(ready, exchange, submission);
            return;
        }
        if (!instanceRequests.tryAcquire()) {
            reply(exchange, StatusCodes.SERVICE_UNAVAILABLE, WireFormat.failed(INSTANCE_REQUESTS
                    + " requests that reach instances are in progress already; try again later"));
            return;
        }
        try {
            answer(ready, exchange, submission);
        } finally {
            instanceRequests.release();
        }
    }

    private void answer(ClusterManager ready, HttpServerExchange exchange, Submission submission) {
        try {
            // A request that got this far sent the token when one is configured.
            Caller caller = accessToken.token().isPresent() ? Caller.AUTHENTICATED : Caller.ANONYMOUS;
            reply(exchange, StatusCodes.OK, ready.handle(submission, caller));
        } catch (RuntimeException e) {
            // The client learns where to look, not the SQL and request that the exception may quote.
            String incident = Long.toHexString(INCIDENTS.nextLong() & 0xffffffffL);
            LOG.error("incident {}: {} failed with an internal error", incident, submission.type().wireName(), e);
            reply(exchange, StatusCodes.INTERNAL_SERVER_ERROR, WireFormat.failed("internal error " + incident
                    + " while answering " + submission.type().wireName() + "; the manager's log has the details"));
        }
    }

    static void reply(HttpServerExchange exchange, int status, Map<String, ?> body) {
        exchange.setStatusCode(status);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json; charset=utf-8");
        exchange.getResponseSender().send(ByteBuffer.wrap(WireFormat.render(body)));
    }
}
