package io.kunlun.server;

import io.kunlun.core.ClusterManager;
import io.kunlun.core.monitor.ManagerMetrics;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.server.HttpHandler;
import io.undertow.server.handlers.PathHandler;
import io.undertow.server.handlers.RequestLimitingHandler;

import io.kunlun.model.job.WireFormat;
import io.undertow.util.StatusCodes;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;

/**
 * The HTTP adapter around a {@link ClusterManager}. It can bind before the manager opens
 * ({@link #listen} then {@link #serve}), so that a manager started on port 0 knows, and reports
 * in get_meta, the port it really listens on.
 */
public final class KunlunServer implements AutoCloseable {
    private final Undertow undertow;
    private final AccessToken accessToken;
    private final JobApiHandler api;
    private final MetricsHandler metrics;

    private KunlunServer(Undertow undertow, AccessToken accessToken, JobApiHandler api, MetricsHandler metrics) {
        this.undertow = undertow;
        this.accessToken = accessToken;
        this.api = api;
        this.metrics = metrics;
    }

    /**
     * Binds the listener; port 0 picks a free port (see {@link #port()}). Until {@link #serve} is
     * called requests wait for it, each at most the startup bound of the options' timeouts, then
     * answer 503 "the manager is still starting".
     */
    public static KunlunServer listen(ServerOptions options) {
        options.validate();
        AccessToken accessToken = new AccessToken(options.accessToken());
        JobApiHandler api = new JobApiHandler(accessToken, options.timeouts().startup());
        MetricsHandler metrics = new MetricsHandler(accessToken);
        HttpHandler routes = new PathHandler(api).addExactPath(ManagerMetrics.PATH, metrics)
                .addPrefixPath(ConsoleHandler.PATH, new ConsoleHandler());
        Undertow.Builder builder = Undertow.builder();
        if (options.tls().isPresent()) {
            builder.addHttpsListener(options.port(), options.bind(), options.tls().get().sslContext());
        } else {
            builder.addHttpListener(options.port(), options.bind());
        }
        Undertow undertow = builder
                // Undertow cuts off a body above what the handler is ready to read and discard.
                .setServerOption(UndertowOptions.MAX_ENTITY_SIZE, JobApiHandler.DRAIN_LIMIT)
                // A client that opens connections and sends nothing, or dribbles, holds no thread for long.
                .setServerOption(UndertowOptions.REQUEST_PARSE_TIMEOUT, millis(options.timeouts().requestParse()))
                .setServerOption(UndertowOptions.NO_REQUEST_TIMEOUT, millis(options.timeouts().idle()))
                .setServerOption(UndertowOptions.IDLE_TIMEOUT, millis(options.timeouts().idle()))
                .setIoThreads(2)
                .setWorkerThreads(64)
                .setHandler(metrics.countingRequestsTo(refusingForeignPages(new HostAndOriginCheck(options),
                        new RequestLimitingHandler(256, 1024, routes))))
                .build();
        undertow.start();
        return new KunlunServer(undertow, accessToken, api, metrics);
    }

    /** Answers 403 to what {@link HostAndOriginCheck} refuses, before anything else looks at the request. */
    private static HttpHandler refusingForeignPages(HostAndOriginCheck check, HttpHandler next) {
        return exchange -> {
            Optional<String> refusal = check.refusal(exchange);
            if (refusal.isPresent()) {
                JobApiHandler.reply(exchange, StatusCodes.FORBIDDEN, WireFormat.failed(refusal.get()));
            } else {
                next.handleRequest(exchange);
            }
        };
    }

    private static int millis(Duration duration) {
        return (int) Math.min(Integer.MAX_VALUE, duration.toMillis());
    }

    /**
     * Starts answering requests with the manager: the API on {@code POST /}, its metrics on
     * {@code GET /metrics} (telling the manager the token they need, for the Prometheus it runs).
     * The web console's files on {@code GET /ui} are served from the start.
     */
    public void serve(ClusterManager manager) {
        manager.metrics().scrapedWithBearerToken(accessToken.token());
        metrics.serve(manager.metrics());
        api.serve(manager);
    }

    /** Binds and serves at once, for a manager whose advertised address does not depend on the port. */
    public static KunlunServer start(ClusterManager manager, ServerOptions options) {
        KunlunServer server = listen(options);
        server.serve(manager);
        return server;
    }

    public int port() {
        return ((InetSocketAddress) undertow.getListenerInfo().get(0).getAddress()).getPort();
    }

    @Override
    public void close() {
        undertow.stop();
    }
}
