package io.kunlun.testkit.http;

import io.kunlun.server.KunlunServer;
import io.kunlun.server.ServerOptions;
import io.kunlun.testkit.TestManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** A client that connects and then sends too slowly, or nothing, loses its connection. */
class ListenerTimeoutsTest {
    private static final String BIND = "127.0.0.173";
    private static final ServerOptions.Timeouts SHORT = new ServerOptions.Timeouts(Duration.ofSeconds(1),
            Duration.ofSeconds(2), ServerOptions.Timeouts.DEFAULT.startup());

    @RegisterExtension
    static TestManager manager = TestManager.create();

    @Test
    void aRequestWhoseHeadersNeverEndIsCutOffAfterTheParseTimeout() throws IOException {
        try (KunlunServer server = KunlunServer.start(manager.manager(),
                new ServerOptions(BIND, 0, Optional.empty(), false).withTimeouts(SHORT));
             Socket socket = RawHttp.connect(BIND, server.port())) {
            socket.getOutputStream().write(("POST / HTTP/1.1\r\nHost: " + BIND + "\r\nX-Slow: ")
                    .getBytes(StandardCharsets.US_ASCII));
            long start = System.nanoTime();

            RawHttp.readToEnd(socket);

            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        }
    }

    @Test
    void aConnectionThatSendsNothingIsClosedAfterTheIdleTimeout() throws IOException {
        try (KunlunServer server = KunlunServer.start(manager.manager(),
                new ServerOptions(BIND, 0, Optional.empty(), false).withTimeouts(SHORT));
             Socket socket = RawHttp.connect(BIND, server.port())) {
            long start = System.nanoTime();

            assertThat(RawHttp.readToEnd(socket)).isEmpty();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(6));
        }
    }
}
