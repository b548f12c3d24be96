package io.kunlun.server;

import io.kunlun.core.ClusterManager;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.server.handlers.RequestLimitingHandler;
import io.kunlun.model.job.WireFormat;

import java.net.InetSocketAddress;

/** The HTTP adapter around a {@link ClusterManager}. */
public final class KunlunServer implements AutoCloseable {
    private final Undertow undertow;

    private KunlunServer(Undertow undertow) {
        this.undertow = undertow;
    }

    /** Starts listening; port 0 picks a free port (see {@link #port()}). */
    public static KunlunServer start(ClusterManager manager, ServerOptions options) {
        options.validate();
        JobApiHandler api = new JobApiHandler(manager, options.accessToken());
        Undertow undertow = Undertow.builder()
                .addHttpListener(options.port(), options.bind())
                // A body above the limit is cut off by Undertow and answered 400 by the handler.
                .setServerOption(UndertowOptions.MAX_ENTITY_SIZE, (long) WireFormat.MAX_BODY_BYTES)
                .setIoThreads(2)
                .setWorkerThreads(64)
                .setHandler(new RequestLimitingHandler(256, 1024, api))
                .build();
        undertow.start();
        return new KunlunServer(undertow);
    }

    public int port() {
        return ((InetSocketAddress) undertow.getListenerInfo().get(0).getAddress()).getPort();
    }

    @Override
    public void close() {
        undertow.stop();
    }
}
